import { benchIngest } from './ingest.js'
const out = await benchIngest('/tmp/lb-dbg', '/tmp/lb-dbg/bag.tar', 1)
console.log(JSON.stringify(out))
