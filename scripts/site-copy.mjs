// Copies everything a site is made of (data/ and i18n/ are optional) from `siteRoot` into
// `dest`, for the end-to-end scripts that edit or publish a copy of the bundled site.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const SITE_PARTS = ['content', 'templates', 'static', 'data', 'i18n', 'site.yaml'];

export function copySite(siteRoot, dest) {
  for (const part of SITE_PARTS.filter((p) => existsSync(join(siteRoot, p)))) {
    cpSync(join(siteRoot, part), join(dest, part), { recursive: true });
  }
}
