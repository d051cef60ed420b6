import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev -w @zhisuan/console` with `zhisuan up` on :7070 behind it
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200, sourcemap: false },
  server: { proxy: { '/api': 'http://127.0.0.1:7070' } },
})
