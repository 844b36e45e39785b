/**
 * `freshet doctor`'s cache-layer checks, one per configured target. CloudFront: the distribution
 * exists and the credentials may List/Get invalidations. Varnish, Cloudflare, Fastly, Akamai:
 * freshet's own target purges a path no page has (`/.freshet-doctor`, and a tag where the layer
 * takes tags) exactly as a batch would, so the answer proves the URL, the credentials, the
 * permission and (Varnish) the purge ACL; Cloudflare's token is verified first, so a wrong token
 * and a token without Cache Purge say different things.
 */
import {
  CloudFrontClient,
  GetInvalidationCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront'
import type { Config } from '../config/schema.ts'
import { akamaiTarget } from '../targets/akamai/target.ts'
import type { CloudflareOptions } from '../targets/cloudflare/target.ts'
import { cloudflareTarget } from '../targets/cloudflare/target.ts'
import { fastlyTarget } from '../targets/fastly/target.ts'
import type { CdnTarget } from '../targets/types.ts'
import { varnishTargetFor } from '../targets/varnish/target.ts'
import type { Check } from './doctor-directus.ts'

const listOf = <T>(raw: T | T[] | undefined): T[] =>
  raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]

/** The CDN keys; any one configured is a cache layer. */
export const CDN_KINDS = ['varnish', 'cloudfront', 'cloudflare', 'fastly', 'akamai'] as const

export function cdnChecks(config: Config): Check[] {
  const cdn = config.cdn
  return [
    ...listOf(cdn?.varnish).map((o) =>
      purgeCheck('varnish', varnishTargetFor(o), ['/.freshet-doctor'], VARNISH_FIX),
    ),
    ...listOf(cdn?.cloudfront).map((o) => cloudFrontCheck(o.distributionId)),
    ...listOf(cdn?.cloudflare).map(cloudflareCheck),
    ...listOf(cdn?.fastly).map((o) =>
      purgeCheck(
        'fastly',
        fastlyTarget(o),
        ['/.freshet-doctor', '#freshet-doctor'],
        API_FIX('fastly'),
      ),
    ),
    ...listOf(cdn?.akamai).map((o) =>
      purgeCheck(
        'akamai',
        akamaiTarget(o),
        ['/.freshet-doctor', ...(o.tags ? ['#freshet-doctor'] : [])],
        API_FIX('akamai'),
      ),
    ),
  ]
}

const VARNISH_FIX =
  'check cdn.varnish.urls (or dns) and that each instance runs deploy/varnish/freshet.vcl'
const API_FIX = (kind: string) =>
  `check cdn.${kind}.apiUrl and that this machine can reach it; then the credentials`

/** A harmless purge through freshet's own target: ✓ when every instance or API accepted it. */
function purgeCheck(kind: string, target: CdnTarget, items: string[], fix: string): Check {
  return {
    name: `${kind} ${target.distributionId.replace(`${kind}:`, '')}`,
    async run(signal) {
      try {
        await target.create({ callerReference: 'freshet-doctor', items }, signal)
      } catch (error) {
        throw new Error(withFix((error as Error).message, fix))
      }
      return `accepts freshet's purge (of ${items.join(' and ')}, which no page has)`
    },
  }
}

// A target's error carries advice (": the API token is wrong…") for the statuses it knows; the
// others, and no answer at all, get the layer's general fix.
function withFix(message: string, fix: string): string {
  const text = message.replace(/^\[freshet\] \[[a-z]+\] /, '')
  return /answered \d+: /.test(text) ? text : `${text}: ${fix}`
}

function cloudflareCheck(options: CloudflareOptions): Check {
  const purge = purgeCheck(
    'cloudflare',
    cloudflareTarget(options),
    ['/.freshet-doctor'],
    API_FIX('cloudflare'),
  )
  return {
    name: `cloudflare ${options.zoneId}`,
    async run(signal) {
      const verify = `${options.apiUrl.replace(/\/+$/, '')}/user/tokens/verify`
      const response = await fetch(verify, {
        signal,
        headers: { authorization: `Bearer ${options.apiToken}` },
      }).catch((error: Error) => {
        throw new Error(`GET ${verify}: no answer (${error.message}): ${API_FIX('cloudflare')}`)
      })
      const answer = (await response.json().catch(() => ({}))) as {
        result?: { status?: string }
      }
      if (response.status === 401 || response.status === 403)
        throw new Error(
          `Cloudflare does not know cdn.cloudflare.apiToken (${response.status} on /user/tokens/verify): create an API token with Zone › Cache Purge on this zone (My Profile → API Tokens)`,
        )
      if (!response.ok)
        throw new Error(
          `GET /user/tokens/verify answered ${response.status}: ${API_FIX('cloudflare')}`,
        )
      const status = answer.result?.status
      if (status !== 'active')
        throw new Error(
          `the API token is ${status ?? 'not active'}: enable it or roll a new one (My Profile → API Tokens)`,
        )
      return `token active; ${await purge.run(signal)}`
    },
  }
}

const IAM_FIX =
  'allow cloudfront:CreateInvalidation, cloudfront:GetInvalidation and cloudfront:ListInvalidations on it'

function cloudFrontCheck(distributionId: string): Check {
  return {
    name: `cloudfront ${distributionId}`,
    async run(signal) {
      // CloudFront's API lives in us-east-1; AWS_ENDPOINT_URL_CLOUDFRONT is read by the SDK.
      const client = new CloudFrontClient({ region: process.env.AWS_REGION ?? 'us-east-1' })
      try {
        const listed = await client
          .send(new ListInvalidationsCommand({ DistributionId: distributionId, MaxItems: 1 }), {
            abortSignal: signal,
          })
          .catch((error: Error) => {
            throw new Error(awsFix(error, distributionId, 'ListInvalidations'))
          })
        // An id that cannot exist: NoSuchInvalidation proves the call is allowed.
        await client
          .send(
            new GetInvalidationCommand({ DistributionId: distributionId, Id: 'IFRESHETDOCTOR0' }),
            { abortSignal: signal },
          )
          .catch((error: Error) => {
            if (error.name !== 'NoSuchInvalidation')
              throw new Error(awsFix(error, distributionId, 'GetInvalidation'))
          })
        const count = listed.InvalidationList?.Quantity ?? 0
        return `exists; the credentials may ListInvalidations and GetInvalidation (${count} listed)`
      } finally {
        client.destroy()
      }
    },
  }
}

export function awsFix(error: Error, distributionId: string, operation: string): string {
  if (error.name === 'NoSuchDistribution')
    return `no distribution ${distributionId} (NoSuchDistribution): check cdn.cloudfront.distributionId and the AWS account`
  if (error.name === 'AccessDenied' || error.name === 'AccessDeniedException')
    return `the AWS credentials may not call cloudfront:${operation} (AccessDenied): ${IAM_FIX}`
  if (/credential/i.test(error.message))
    return `no AWS credentials (${error.message}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role that may ${IAM_FIX.replace('allow ', 'call ')}`
  const endpoint = process.env.AWS_ENDPOINT_URL_CLOUDFRONT
  return (
    `${operation} failed: ${error.name}: ${error.message}: ` +
    (endpoint
      ? `AWS_ENDPOINT_URL_CLOUDFRONT is ${endpoint}; check that CloudFront (or its emulator) answers there`
      : 'check the network to cloudfront.amazonaws.com and the credentials (aws cloudfront list-invalidations --distribution-id ' +
        `${distributionId} shows the same error with more detail)`)
  )
}
