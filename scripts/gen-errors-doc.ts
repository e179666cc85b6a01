// npm run docs:errors — rewrites docs/errors.md from the code catalogues.
import { writeFile } from 'node:fs/promises'
import { renderErrorsDoc } from './errors-doc.js'

await writeFile(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc())
console.log('wrote docs/errors.md')
