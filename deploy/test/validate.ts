/**
 * Every rendered object against the Kubernetes API's schemas (`kubernetes-models`, and
 * `@kubernetes-models/prometheus-operator` for ServiceMonitor and PrometheusRule). A kind with
 * no model here fails: nothing the chart renders goes unchecked.
 */
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { CronJob } from 'kubernetes-models/batch/v1'
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1'
import type { K8sObject } from './helm.ts'

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
}

/** Throws, naming the object, when it does not match its kind's API schema. */
export function validateObject(object: K8sObject): void {
  const key = `${object.apiVersion}/${object.kind}`
  const Model = MODELS[key]
  if (!Model) throw new Error(`[freshet] [helm] no API schema for ${key} (${object.metadata.name})`)
  try {
    new Model(object as never).validate()
  } catch (error) {
    throw new Error(
      `[freshet] [helm] ${key} ${object.metadata.name}: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}
