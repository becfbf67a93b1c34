// The web edition's one script, an enhancement: nothing needs it to be read. On a 版 page,
// pointing at or focusing an article's zone shows a card with its kicker, headline and first
// words (taken from the article list beside the page) and marks the list entry; pointing at
// or focusing a list entry marks its zone. Without it, zones still highlight (CSS) and name
// their article (title, aria-label).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const sheet = document.querySelector(".page-image .sheet");
  if (!sheet) return;
  const card = document.createElement("div");
  card.className = "card";
  card.hidden = true;
  card.setAttribute("aria-hidden", "true");  // the zone's own name is what is announced
  sheet.appendChild(card);

  const entry = (slug) => document.getElementById("l-" + slug);
  const zone = (slug) => document.getElementById("z-" + slug);

  function show(slug) {
    const item = entry(slug), area = zone(slug);
    if (!area) return;
    area.classList.add("is-active");
    card.replaceChildren();
    if (item) {
      item.classList.add("is-active");
      for (const part of item.querySelectorAll(".kicker, .headline, .jump, .summary")) {
        const p = document.createElement("p");
        p.className = part.classList.contains("kicker") ? "card-kicker"
                    : part.classList.contains("headline") ? "headline" : "summary";
        p.textContent = part.textContent;
        card.appendChild(p);
      }
    }
    const box = area.getBoundingClientRect(), outer = sheet.getBoundingClientRect();
    card.hidden = false;
    const left = Math.min(box.left - outer.left, outer.width - card.offsetWidth);
    const below = box.bottom - outer.top + 4;
    const top = below + card.offsetHeight > outer.height ? Math.max(box.top - outer.top - card.offsetHeight - 4, 0) : below;
    card.style.left = Math.max(left, 0) + "px";
    card.style.top = top + "px";
  }

  function hide(slug) {
    const item = entry(slug), area = zone(slug);
    if (item) item.classList.remove("is-active");
    if (area) area.classList.remove("is-active");
    card.hidden = true;
  }

  for (const area of document.querySelectorAll("svg.zones a.zone")) {
    const slug = area.dataset.slug;
    area.addEventListener("pointerenter", () => show(slug));
    area.addEventListener("pointerleave", () => hide(slug));
    area.addEventListener("focus", () => show(slug));
    area.addEventListener("blur", () => hide(slug));
  }
  for (const item of document.querySelectorAll(".articles li[data-zone]")) {
    const slug = item.id.slice(2);
    const on = () => { const a = zone(slug); if (a) a.classList.add("is-active"); item.classList.add("is-active"); };
    const off = () => { const a = zone(slug); if (a) a.classList.remove("is-active"); item.classList.remove("is-active"); };
    item.addEventListener("pointerenter", on);
    item.addEventListener("pointerleave", off);
    item.addEventListener("focusin", on);
    item.addEventListener("focusout", off);
  }
});
