// The public face of projects: the project record, its units, permits and phases, and the checks they keep.
export { ProjectService, checkUscc, isDay } from './project-service.js'
export { USCC_ALPHABET, isUscc, usccCheckCharacter, usccProblem, type UsccProblem } from './uscc.js'
export { PERMIT_KIND_TEXT, UNIT_ROLE_TEXT } from './units.js'
