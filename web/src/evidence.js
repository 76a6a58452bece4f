// Thumbnails of stored media (lazy-loaded), each a link to its public copy.
import { contentUrl, thumbnailUrl } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function evidenceGallery(mediaIds = []) {
  if (!mediaIds?.length) return null;
  return h("ul", { class: "gallery", "aria-label": t("tracking.evidence") }, mediaIds.map((id, i) => h("li", {},
    h("a", { href: contentUrl(id), target: "_blank", rel: "noopener" },
      h("img", { src: thumbnailUrl(id), alt: t("tracking.evidence_n", { n: i + 1 }), loading: "lazy", width: 120, height: 90 })))));
}
