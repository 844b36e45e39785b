import { z } from 'zod'
import { configSchema } from '../config/schema.ts'

/** The JSON Schema of freshet.yaml, for editors (also committed as schema/freshet.schema.json). */
export function configJsonSchema() {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' })
}

export function printSchema() {
  console.log(JSON.stringify(configJsonSchema(), null, 2))
}
