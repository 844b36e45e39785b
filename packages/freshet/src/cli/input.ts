import { readFile } from 'node:fs/promises'

/** A file's text, or standard input's when no file is named. */
export async function readInput(file: string | undefined): Promise<string> {
  if (file) return readFile(file, 'utf8')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
