{{- define "freshet.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "freshet.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "freshet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "freshet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
The reconcile CronJob's pods: a name of their own, so the Deployment's selector, the
PodDisruptionBudget, the topology spread and the Service never count a one-shot Job's pod as a
replica (nor send it webhooks).
*/}}
{{- define "freshet.reconcileSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-reconcile" (include "freshet.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: reconcile
{{- end -}}

{{- define "freshet.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "freshet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "freshet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "freshet.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "freshet.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "postgresql" when config.store.url is set, else "embedded" (PGlite on a volume). */}}
{{- define "freshet.store" -}}
{{- $store := default dict .Values.config.store -}}
{{- if $store.url -}}postgresql{{- else -}}embedded{{- end -}}
{{- end -}}

{{/* Replicas: the embedded store is one process's folder, PostgreSQL is shared by several. */}}
{{- define "freshet.replicas" -}}
{{- if eq (include "freshet.store" .) "embedded" -}}
{{- if and (not (kindIs "invalid" .Values.replicaCount)) (gt (int .Values.replicaCount) 1) -}}
{{- fail (printf "freshet: replicaCount %d needs PostgreSQL: the embedded store (config.store.url unset) is one process's data directory, so it runs exactly 1 replica. Set config.store.url (e.g. ${DATABASE_URL}) or replicaCount: 1." (int .Values.replicaCount)) -}}
{{- end -}}
1
{{- else -}}
{{- $n := 2 -}}
{{- if not (kindIs "invalid" .Values.replicaCount) -}}{{- $n = int .Values.replicaCount -}}{{- end -}}
{{- if lt $n 2 -}}
{{- fail (printf "freshet: replicaCount %d on PostgreSQL: run at least 2 replicas, so a rolling update or a lost node never leaves webhooks unanswered." $n) -}}
{{- end -}}
{{- $n -}}
{{- end -}}
{{- end -}}

{{- define "freshet.port" -}}
{{- $server := default dict .Values.config.server -}}
{{- default 8787 $server.port -}}
{{- end -}}

{{- define "freshet.shutdownGraceMs" -}}
{{- $server := default dict .Values.config.server -}}
{{- if kindIs "invalid" $server.shutdownGraceMs -}}10000{{- else -}}{{- int $server.shutdownGraceMs -}}{{- end -}}
{{- end -}}

{{/* Above shutdownGraceMs, so Kubernetes never kills a replica that is still handing work back. */}}
{{- define "freshet.terminationGrace" -}}
{{- $graceSeconds := div (add (int (include "freshet.shutdownGraceMs" .)) 999) 1000 -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds -}}
{{- add $graceSeconds 15 -}}
{{- else -}}
{{- if le (int .Values.terminationGracePeriodSeconds) $graceSeconds -}}
{{- fail (printf "freshet: terminationGracePeriodSeconds %d must exceed config.server.shutdownGraceMs (%d ms), or Kubernetes kills a replica while it hands in-flight work back." (int .Values.terminationGracePeriodSeconds) (int (include "freshet.shutdownGraceMs" .))) -}}
{{- end -}}
{{- int .Values.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* The kubernetes discovery block, or empty. */}}
{{- define "freshet.kubernetesDiscovery" -}}
{{- $pods := default dict .Values.config.pods -}}
{{- $discovery := default dict $pods.discovery -}}
{{- if $discovery.kubernetes -}}{{- toJson $discovery.kubernetes -}}{{- end -}}
{{- end -}}

{{/* Environment shared by the Deployment and the CronJob: config file, secrets by reference. */}}
{{- define "freshet.env" -}}
- name: FRESHET_CONFIG
  value: /etc/freshet/freshet.yaml
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- range .Values.env }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- end }}
{{- end -}}

{{- define "freshet.envFrom" -}}
{{- range .Values.envFromSecrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end -}}

{{/* resources, or the figures bench/resources.ts measured for this store (see values.yaml). */}}
{{- define "freshet.resources" -}}
{{- if .Values.resources -}}
{{- toYaml .Values.resources -}}
{{- else if eq (include "freshet.store" .) "embedded" -}}
requests: { cpu: 100m, memory: 640Mi }
limits: { memory: 1536Mi }
{{- else -}}
requests: { cpu: 250m, memory: 320Mi }
limits: { memory: 640Mi }
{{- end -}}
{{- end -}}
