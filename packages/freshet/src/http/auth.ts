import { createMiddleware } from 'hono/factory'
import { bearerToken, secretMatches } from '../sources/auth.ts'
import { HttpError } from './errors.ts'

/** The admin API and the web page: `Authorization: Bearer <server.adminToken>`. */
export const requireAdmin = (adminToken: string | undefined) =>
  createMiddleware(async (c, next) => {
    if (!adminToken) {
      throw new HttpError(401, 'admin_disabled', 'the admin API is disabled: set server.adminToken')
    }
    if (!secretMatches(bearerToken(c.req.raw.headers), adminToken)) {
      throw new HttpError(401, 'unauthorized', 'missing or wrong admin Bearer token')
    }
    await next()
  })
