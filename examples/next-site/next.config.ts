import type { NextConfig } from 'next'

// `@freshet/next` is used from its built `dist/` (npm run build -w @freshet/next).
const config: NextConfig = {
  reactStrictMode: true,
}

export default config
