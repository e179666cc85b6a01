import type { PermitKind, UnitRole } from '../catalogue/index.js'

// The words for unit roles and permit kinds, once, in both languages: the requirements notice, the
// rectification notice and the credit records all name units the same way.

export const UNIT_ROLE_TEXT: Record<UnitRole, { zh: string, en: string }> = {
  builder: { zh: '建设单位', en: 'builder (owner)' },
  survey: { zh: '勘察单位', en: 'survey unit' },
  design: { zh: '设计单位', en: 'design unit' },
  construction: { zh: '施工单位', en: 'construction unit' },
  supervision: { zh: '监理单位', en: 'supervision unit' }
}

export const PERMIT_KIND_TEXT: Record<PermitKind, { zh: string, en: string }> = {
  'land-planning': { zh: '建设用地规划许可证', en: 'land-use planning permit' },
  'works-planning': { zh: '建设工程规划许可证', en: 'construction-works planning permit' },
  construction: { zh: '建筑工程施工许可证', en: 'construction permit' }
}
