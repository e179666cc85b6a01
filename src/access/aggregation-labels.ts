import type { PipelineRead } from './aggregation.js'

// Which files are pipeline-survey data, and their map sheets and area, come from the labels (migration
// 0015: package_files.pipeline_survey, map_sheets, area_km2; src/access/labels.ts). The file download
// asks through this one function, so joining the guard to those columns is a change here only.

/** The pipeline-survey facts of one stored file, or null for a file that is not pipeline-survey data. */
export type PipelineLabeler = (packageId: string, logicalPath: string, version?: number) => Promise<PipelineRead | null>

/** Until the labels are joined: no file is known to be pipeline-survey data, so downloads pass the guard uncounted. */
export const noPipelineLabels: PipelineLabeler = async () => null
