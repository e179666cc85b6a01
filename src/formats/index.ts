// The public face of formats: what a file is by its bytes, and whether it opens (usability, DA/T 70 3-3, 3-4).
export { IDENTIFY_WINDOW, identifyBytes, identifyFormat, type FormatIdentification, type OtherKind } from './identify.js'
export { DEFAULT_OPEN_LIMITS, opensFile, type OpenLimits, type OpenOutcome } from './opens.js'
