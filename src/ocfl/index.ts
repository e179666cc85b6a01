// The public face of the OCFL capability; other capabilities import from here only.
export {
  CONTENT_DIRECTORY, DIGEST_ALGORITHM, FIXITY_ALGORITHMS, INVENTORY, INVENTORY_TYPE, OBJECT_DECLARATION, SIDECAR,
  parseInventory, serializeInventory, sidecarText, stateByPath, versionName, versionNumber,
  type DigestMap, type Inventory, type InventoryUser, type InventoryVersion
} from './inventory.js'
export {
  LAYOUT_CONFIG, LAYOUT_EXTENSION, PROJECT_ID_PREFIX, STORAGE_DECLARATION,
  checkObjectId, initStorageRoot, objectRootOf, projectCodeOf, projectObjectId
} from './layout.js'
export { checkLogicalPath } from './paths.js'
export { loadInventory, OcflObjectReader, type ListedObject, type LoadedInventory, type ResolvedFile } from './object-reader.js'
export { OcflObjectWriter, type AddVersionOptions, type NewVersionFile, type RepairedContent, type VersionMeta, type WrittenVersion } from './object-writer.js'
export { SM3_LOG_DIR, sm3LogKey } from './sm3-log.js'
export {
  REGISTERED_EXTENSIONS, specCode, validateObject, validateStorageRoot,
  type OcflFinding, type OcflReport, type OcflSeverity, type OcflValidateOptions
} from './validator.js'
