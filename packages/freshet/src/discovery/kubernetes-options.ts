/**
 * The config of Kubernetes discovery, apart from the adapter: reading the config must not load
 * `@kubernetes/client-node` (seconds of start-up for every CLI command).
 */
import { z } from 'zod'

export const kubernetesDiscoveryOptions = z
  .strictObject({
    namespace: z.string().min(1).describe('Namespace of the web app’s Service, e.g. site.'),
    service: z.string().min(1).describe('Name of the Service whose EndpointSlices list the pods.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('Port the pods listen on (the container port), e.g. 3000. Or give portName.'),
    portName: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the Service port to take from the EndpointSlices, e.g. http.'),
    scheme: z.enum(['http', 'https']).default('http').describe('Scheme of the pod URLs.'),
    watchTimeoutSeconds: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe('Lifetime of one watch request; the watch then reconnects where it was.'),
  })
  .refine((options) => options.port === undefined || options.portName === undefined, {
    message: 'give port or portName, not both',
    path: ['portName'],
  })
  .describe('Pods from the EndpointSlices of a Service, listed and watched via the API server.')
