// Prints a Markdown table (for the validation scripts whose output BENCHMARKS.md quotes).
export function table(header, rows) {
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map(() => '---').join(' | ')} |`)
  for (const row of rows) {
    console.log(`| ${row.join(' | ')} |`)
  }
  console.log('')
}
