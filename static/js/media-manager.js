// The media manager page. The cards in the page ARE the pending state: their order in each
// group, their fields and data attributes. Save posts that state as one JSON document with
// the listing version; the server applies it in one transaction (listings/manager.py).

import { format } from "./media-text.js";
import { UploadQueue } from "./media-uploads.js";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
const json = (id) => JSON.parse(document.getElementById(id).textContent);

const KINDS = ["PICTURE", "VIDEO", "VIRTUAL_TOUR", "PANORAMA"];
const NAME_TEXT = { PICTURE: "pictureN", VIDEO: "videoN", VIRTUAL_TOUR: "tourN", PANORAMA: "panoramaN" };
const texts = json("manager-texts");
const config = json("manager-config");
const saved = json("saved-state");
const pageState = json("page-state");
const form = $("#manager-form");
const csrfToken = $("input[name=csrfmiddlewaretoken]", form).value;
const lists = Object.fromEntries(KINDS.map((kind) => [kind, $(`.cards[data-group="${kind}"]`)]));
const tagTemplate = $("#tag-template").content;
const categoryLabels = Object.fromEntries($$("input", tagTemplate).map((box) => [box.value, box.parentElement.textContent.trim()]));
const cardTemplate = $("#card-template").innerHTML;
const live = $("#live-region");

const drafts = new Set(pageState.drafts); // every upload this page made, for Discard
const dropped = new Set(); // uploads that failed processing: deleted on Save
let polling = 0;
let leaving = false;

// --- Reading the state from the cards ------------------------------------------------------

// Sortable's dragged copy (`sortable-fallback`) is not a media of its own.
const cards = (kind) => $$(":scope > .media-card:not(.sortable-fallback)", lists[kind]);
const isDeleted = (card) => card.classList.contains("is-deleted");
const tagsOf = (card) => (card.dataset.tags ? card.dataset.tags.split(" ") : []);

function cardState(card) {
  return {
    id: Number(card.dataset.id),
    kind: card.dataset.kind,
    title: $(".f-title", card).value.split(/\s+/).filter(Boolean).join(" "),
    category: $(".f-category", card).value,
    tags: tagsOf(card),
    turns: Number(card.dataset.turns || 0),
    replacement: card.dataset.replacement ? Number(card.dataset.replacement) : null,
  };
}

function pendingState() {
  const items = [];
  const deleted = [...dropped];
  for (const kind of KINDS) {
    for (const card of cards(kind)) (isDeleted(card) ? deleted.push(Number(card.dataset.id)) : items.push(cardState(card)));
  }
  return { items, deleted, drafts: [...drafts], base: saved.base };
}

const comparable = (edit) => [edit.id, edit.kind, edit.title, edit.category, edit.tags.join(" "), edit.turns || 0, edit.replacement ?? null];

function isDirty(state = pendingState()) {
  if (state.deleted.length || drafts.size) return true;
  return JSON.stringify(state.items.map(comparable)) !== JSON.stringify(saved.base.map(comparable));
}

// --- Showing it: numbers, badges, warnings, counts -----------------------------------------

function badgeFor(kind, index) {
  if (kind === "PICTURE") return index === 0 ? ["cover", texts.cover] : ["", ""];
  if (kind === "VIDEO") return index === 0 ? ["shown", texts.shownVideo] : ["hidden", texts.hiddenVideo];
  if (kind === "VIRTUAL_TOUR") return index === 0 ? ["shown", texts.shownTour] : ["hidden", texts.hiddenTour];
  return ["panorama", texts.panorama];
}

function stateBadge(card) {
  if (isDeleted(card)) return texts.deletedBadge;
  if (card.dataset.draft) return texts.newBadge;
  if (card.dataset.replacement) return texts.replacedBadge;
  if (Number(card.dataset.turns)) return texts.rotatedBadge;
  return "";
}

function refresh() {
  const pictureNumbers = new Map();
  for (const kind of KINDS) {
    const all = cards(kind);
    const kept = all.filter((card) => !isDeleted(card));
    kept.forEach((card, index) => {
      const name = format(texts[NAME_TEXT[kind]], { n: index + 1 });
      $(".card-name", card).textContent = name;
      $(".position-number", card).textContent = index + 1;
      const [tone, text] = badgeFor(kind, index);
      const badge = $(".shown-badge", card);
      badge.textContent = text;
      badge.className = `badge shown-badge ${tone}`;
      badge.hidden = !text;
      card.classList.toggle("is-cover", kind === "PICTURE" && index === 0);
      $("[data-action=first]", card).disabled = index === 0;
      $("[data-action=up]", card).disabled = index === 0;
      $("[data-action=down]", card).disabled = index === kept.length - 1;
      if (kind === "PICTURE") pictureNumbers.set(card.dataset.id, index + 1);
    });
    for (const card of all) {
      const badge = $(".state-badge", card);
      badge.textContent = stateBadge(card);
      badge.hidden = !badge.textContent;
      if (isDeleted(card)) $(".shown-badge", card).hidden = true;
    }
    const counter = $(`[data-count="${kind}"]`);
    if (counter) counter.textContent = kept.length ? `(${kept.length})` : "";
    lists[kind].closest("section").classList.toggle(`empty-${kind}`, kept.length === 0);
  }
  for (const warning of $$(".warning[data-duplicate-of]")) {
    const number = pictureNumbers.get(warning.dataset.duplicateOf);
    warning.hidden = !number;
    if (number) warning.textContent = `${warning.dataset.before}${number}${warning.dataset.after}`;
  }
  const dirty = isDirty();
  $("#dirty-flag").hidden = !dirty;
  $("#discard-button").disabled = !dirty;
  form.classList.toggle("is-dirty", dirty);
  if (!uploads.busy && !polling) $("#save-hint").textContent = "";
  schedulePreview();
}

function fillTagSummary(card) {
  const names = tagsOf(card).map((tag) => categoryLabels[tag] || tag);
  $(".tag-list", card).textContent = names.length ? names.join(", ") : texts.noTags;
}

function setWarnings(card, warnings) {
  const list = $(".warnings", card);
  list.replaceChildren();
  for (const warning of warnings) {
    const item = document.createElement("li");
    item.className = "warning";
    item.dataset.code = warning.code;
    item.textContent = warning.text;
    if (warning.duplicate_of) Object.assign(item.dataset, { duplicateOf: warning.duplicate_of, before: warning.before, after: warning.after });
    list.append(item);
  }
}

// --- Moving cards --------------------------------------------------------------------------

function move(card, where) {
  const list = card.parentElement;
  const kept = cards(card.dataset.kind).filter((other) => !isDeleted(other));
  const index = kept.indexOf(card);
  const name = $(".card-name", card).textContent;
  const target = { first: 0, up: index - 1, down: index + 1, last: kept.length - 1 }[where];
  if (target < 0 || target >= kept.length || target === index) return;
  if (target < index) list.insertBefore(card, kept[target]);
  else kept[target].after(card);
  refresh();
  live.textContent = format(texts.moved, { name, n: target + 1 });
}

function setKind(card, kind) {
  card.dataset.kind = kind;
  lists[kind].append(card);
  refresh();
}

// --- Cards made in the page (uploads and links) --------------------------------------------

function newCard(media, slot = null) {
  const holder = document.createElement("template");
  holder.innerHTML = cardTemplate.replaceAll("__ID__", media.id).trim();
  const card = holder.content.firstElementChild;
  card.dataset.draft = "1";
  card.classList.add("is-new");
  showMedia(card, media);
  // Files keep the order they were chosen in, whichever finishes uploading first.
  if (slot && slot.parentElement === lists[media.kind]) slot.replaceWith(card);
  else lists[media.kind].append(card);
  slot?.remove();
  wireCard(card);
  return card;
}

function reserveSlot(job) {
  if (job.extra.card) return;
  const isVideo = job.file.type.startsWith("video/") || /\.(mp4|m4v|mov|webm)$/i.test(job.file.name);
  job.slot = document.createElement("li");
  job.slot.className = "upload-slot";
  job.slot.hidden = true;
  lists[isVideo ? "VIDEO" : "PICTURE"].append(job.slot);
}

function showMedia(card, media) {
  card.dataset.kind = card.dataset.kind === "PANORAMA" ? "PANORAMA" : media.kind;
  card.dataset.family = media.link ? "link" : media.kind === "VIDEO" ? "video" : "picture";
  card.dataset.status = media.status;
  card.dataset.statusUrl = media.status_url;
  const thumb = $(".thumb", card);
  const old = $("img, video, .link-thumb", thumb);
  if (media.link) {
    const link = document.createElement("a");
    link.className = "link-thumb";
    link.href = media.link;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    for (const [name, text] of [["link-icon", media.kind === "VIDEO" ? "▶" : "⌂"], ["link-provider", media.provider], ["link-url", media.link]]) {
      const part = document.createElement("span");
      part.className = name;
      part.textContent = text;
      link.append(part);
    }
    $(".link-icon", link).setAttribute("aria-hidden", "true");
    link.setAttribute("aria-describedby", `name-${media.id}`);
    old.replaceWith(link);
  } else if (media.kind === "VIDEO") {
    const video = document.createElement("video");
    Object.assign(video, { src: media.video, preload: "metadata", muted: true, controls: true, width: 320, height: 180 });
    old.replaceWith(video);
  } else {
    const image = old.tagName === "IMG" ? old : document.createElement("img");
    if (media.thumbnail) {
      Object.assign(image, { src: media.thumbnail, width: media.width, height: media.height, loading: "lazy", alt: $(".f-title", card).value || "" });
      if (media.thumbnail_large) Object.assign(image, { srcset: `${media.thumbnail} 320w, ${media.thumbnail_large} 640w`, sizes: "(max-width: 640px) 50vw, 320px" });
      else image.removeAttribute("srcset");
      image.hidden = false;
    }
    if (old !== image) old.replaceWith(image);
  }
  $(".processing-veil", card).hidden = media.status !== "PENDING";
  const error = $(".processing-error", card);
  error.hidden = media.status !== "FAILED";
  error.textContent = media.error || "";
  setWarnings(card, media.warnings || []);
}

function watch(card, row) {
  if (card.dataset.status !== "PENDING") return;
  polling += 1;
  const poll = async () => {
    try {
      const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } });
      const media = await response.json();
      if (media.status === "PENDING") return setTimeout(poll, 1500);
      showMediaKeepingKind(card, media, row);
    } catch {
      return setTimeout(poll, 3000);
    }
    polling -= 1;
    refresh();
  };
  setTimeout(poll, 800);
}

function showMediaKeepingKind(card, media, row) {
  const replaced = card.dataset.replacement && Number(card.dataset.replacement) === media.id;
  if (media.status === "FAILED") {
    uploads.markProcessed(row, media.error, true);
    if (replaced) {
      card.dataset.replacement = "";
      dropped.add(media.id);
    } else if (card.dataset.draft) {
      dropped.add(media.id);
      card.remove();
    } else {
      showMedia(card, media);
    }
    return;
  }
  uploads.markProcessed(row, texts.processingDone, false);
  showMedia(card, { ...media, kind: card.dataset.kind === "PANORAMA" ? "PANORAMA" : media.kind });
}

function uploaded(media, job) {
  drafts.add(media.id);
  let card = job.extra.card;
  if (card) {
    if (card.dataset.replacement) dropped.add(Number(card.dataset.replacement));
    card.dataset.replacement = media.id;
    card.dataset.turns = "0";
    $(".thumb", card).style.removeProperty("--turns");
    const status = media.status;
    showMedia(card, { ...media, kind: card.dataset.kind, status });
    card.dataset.statusUrl = media.status_url;
  } else {
    card = newCard(media, job.slot);
  }
  if (media.status === "FAILED") showMediaKeepingKind(card, media, job.row);
  else watch(card, job.row);
  refresh();
}

// --- Wiring ---------------------------------------------------------------------------------

function wireCard(card) {
  fillTagSummary(card);
  const turns = Number(card.dataset.turns || 0);
  if (turns) $(".thumb", card).style.setProperty("--turns", turns);
  $(".f-replace", card).accept = card.dataset.family === "video" ? "video/mp4,video/quicktime,video/webm" : "image/*,.heic,.heif";
  for (const control of $$("input, select, button", $(".card-body", card))) control.disabled = isDeleted(card) && control.dataset.action !== "undo";
}

const uploads = new UploadQueue({
  url: config.uploadUrl,
  csrfToken,
  parallel: config.parallelUploads,
  texts,
  limits: config,
  list: $("#upload-queue"),
  summary: $(".upload-summary"),
  onQueued: reserveSlot,
  onUploaded: uploaded,
  onFailed: (job) => job.slot?.remove(),
  onSettled: refresh,
});

form.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const card = button.closest(".media-card");
  const action = button.dataset.action;
  if (["first", "up", "down"].includes(action)) {
    move(card, action);
    $(`[data-action=${action}]`, card).disabled ? $(".drag-handle", card).focus() : button.focus();
  } else if (action === "rotate") {
    const turns = (Number(card.dataset.turns || 0) + 1) % 4;
    card.dataset.turns = turns;
    $(".thumb", card).style.setProperty("--turns", turns);
    refresh();
  } else if (action === "delete" || action === "undo") {
    card.classList.toggle("is-deleted", action === "delete");
    wireCard(card);
    refresh();
    $(`[data-action=${action === "delete" ? "undo" : "delete"}]`, card).focus();
  } else if (action === "add-link") {
    addLink(button.closest(".link-form"));
  }
});

form.addEventListener("keydown", (event) => {
  if (event.target.classList.contains("drag-handle")) {
    const where = { ArrowUp: "up", ArrowLeft: "up", ArrowDown: "down", ArrowRight: "down", Home: "first", End: "last" }[event.key];
    if (where) {
      event.preventDefault();
      move(event.target.closest(".media-card"), where);
      event.target.focus();
    }
  } else if (event.key === "Enter" && event.target.matches("input:not([type=submit])")) {
    // Enter in a caption must not save the whole page; in a link field it adds the link.
    event.preventDefault();
    const linkForm = event.target.closest(".link-form");
    if (linkForm) addLink(linkForm);
  }
});

form.addEventListener("input", (event) => {
  if (event.target.matches(".f-title")) refresh();
});

form.addEventListener("change", (event) => {
  const target = event.target;
  const card = target.closest(".media-card");
  if (target.matches(".f-panorama")) setKind(card, target.checked ? "PANORAMA" : "PICTURE");
  else if (target.matches(".tag-options input")) {
    card.dataset.tags = $$(".tag-options input:checked", card).map((box) => box.value).join(" ");
    fillTagSummary(card);
    refresh();
  } else if (target.matches(".f-replace") && target.files.length) {
    uploads.add([target.files[0]], { replaces: card.dataset.id, card });
    target.value = "";
  } else if (target.matches(".f-category")) refresh();
});

form.addEventListener("toggle", (event) => {
  const details = event.target;
  if (!details.matches?.(".tags-picker") || !details.open || details.dataset.filled) return;
  const card = details.closest(".media-card");
  const options = $(".tag-options", details);
  options.append(tagTemplate.cloneNode(true));
  const chosen = new Set(tagsOf(card));
  for (const box of $$("input", options)) box.checked = chosen.has(box.value);
  details.dataset.filled = "1";
}, true);

async function addLink(linkForm) {
  const input = $("input", linkForm);
  const error = $(".field-error", linkForm);
  const button = $("button", linkForm);
  if (!input.value.trim()) return input.focus();
  button.disabled = true;
  const body = new FormData();
  body.append("kind", linkForm.dataset.linkKind);
  body.append("url", input.value);
  try {
    const response = await fetch(config.linkUrl, { method: "POST", body, headers: { "X-CSRFToken": csrfToken } });
    const answer = await response.json();
    if (response.status === 201) {
      drafts.add(answer.id);
      newCard(answer);
      input.value = "";
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      live.textContent = texts.linkAdded;
      refresh();
    } else {
      error.textContent = answer.error || texts.serverError;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
    }
  } catch {
    error.textContent = texts.networkError;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

// Drag and drop of files onto the drop zone (or anywhere on the page), and the file picker.
const dropzone = $("#dropzone");
for (const name of ["dragenter", "dragover"]) {
  document.addEventListener(name, (event) => {
    if (![...(event.dataTransfer?.types || [])].includes("Files")) return;
    event.preventDefault();
    dropzone.classList.add("is-over");
  });
}
document.addEventListener("dragleave", (event) => {
  if (!event.relatedTarget) dropzone.classList.remove("is-over");
});
document.addEventListener("drop", (event) => {
  if (!event.dataTransfer?.files.length) return;
  event.preventDefault();
  dropzone.classList.remove("is-over");
  uploads.add([...event.dataTransfer.files]);
});
$("#file-input").addEventListener("change", (event) => {
  uploads.add([...event.target.files]);
  event.target.value = "";
});
$("#clear-uploads").addEventListener("click", () => uploads.clearFinished());

// Reordering by drag and drop, mouse or touch (SortableJS's fallback mode works the same for both).
for (const kind of KINDS) {
  window.Sortable.create(lists[kind], {
    animation: 150,
    handle: ".drag-handle, .thumb img, .thumb video",
    draggable: ".media-card",
    forceFallback: true,
    fallbackOnBody: true,
    fallbackTolerance: 4,
    ghostClass: "is-ghost",
    chosenClass: "is-chosen",
    onEnd: (event) => {
      const name = $(".card-name", event.item).textContent;
      refresh();
      if (event.oldIndex !== event.newIndex) live.textContent = format(texts.moved, { name, n: event.newIndex + 1 });
    },
  });
}

// --- The change preview next to Save -------------------------------------------------------

let previewTimer = null;
let previewAsked = "";
let previewTurn = 0;

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(askPreview, 400);
}

async function askPreview() {
  const state = JSON.stringify(pendingState());
  if (state === previewAsked) return;
  previewAsked = state;
  const turn = ++previewTurn;
  const text = $("#preview-text");
  const body = new FormData();
  body.append("state", state);
  text.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(config.previewUrl, { method: "POST", body, headers: { "X-CSRFToken": csrfToken } });
    const answer = await response.json();
    if (turn !== previewTurn) return;
    text.textContent = answer.text || answer.error || texts.previewUnknown;
    text.classList.toggle("nothing", Boolean(answer.nothing));
  } catch {
    if (turn === previewTurn) text.textContent = texts.previewUnknown;
  } finally {
    if (turn === previewTurn) text.removeAttribute("aria-busy");
  }
}

// --- Save, Discard, leaving -----------------------------------------------------------------

form.addEventListener("submit", (event) => {
  if (uploads.busy || polling) {
    event.preventDefault();
    $("#save-hint").textContent = texts.waitUploads;
    return;
  }
  $("#state-field").value = JSON.stringify(pendingState());
  leaving = true;
  $("#save-button").disabled = true;
});

$("#discard-button").addEventListener("click", () => {
  $("#discard-drafts").value = [...drafts, ...dropped].join(",");
  leaving = true;
  $("#discard-form").submit();
});

window.addEventListener("beforeunload", (event) => {
  if (leaving || !(isDirty() || uploads.busy)) return;
  event.preventDefault();
  event.returnValue = texts.unsaved;
});

for (const kind of KINDS) for (const card of cards(kind)) {
  wireCard(card);
  watch(card, null);
}
previewAsked = isDirty() ? "" : JSON.stringify(pendingState());
refresh();
document.documentElement.dataset.managerReady = "1";
