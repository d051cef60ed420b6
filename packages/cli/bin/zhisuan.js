#!/usr/bin/env node
import { main } from '../dist/main.js'

// A closed pipe (`zhisuan catalog | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') {
    process.exit(0)
  }
  throw error
})
process.exitCode = await main(process.argv)
