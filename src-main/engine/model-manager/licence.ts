import type { ModelManifest } from '../infer/manifest.ts';

/**
 * The line every front end shows before a download or import. Non-commercial weights (GemDepth,
 * Video-Depth-Anything Base/Large) are said so in plain words, since users of a video editor often
 * work on paid projects.
 */
export function licenceNotice(m: ModelManifest): string {
  const { id, commercialUse, url } = m.licence;
  return commercialUse
    ? `Licence of ${m.name}: ${id} (commercial use allowed); terms: ${url}`
    : `Licence of ${m.name}: ${id}: NON-COMMERCIAL use only, not for commercial or paid work; terms: ${url}`;
}

export const needsLicenceConsent = (m: ModelManifest): boolean => !m.licence.commercialUse;
