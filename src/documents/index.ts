// The public face of the documents capability: the documents Lantai issues, as sealed PDFs.
export { centerSign, centerVerify, loadCenterSigner, type CenterAlgorithm, type CenterKeyPaths, type CenterSigner } from './center-key.js'
export { DocumentSealer, documentSealerOf, verifySealedDocument, type DocumentSealerOptions } from './sealed-document.js'
export { loadDocumentFont, type DocumentFont } from './font.js'
