// Uploads of the media manager: a bounded pool of XHRs, one progress row per file.
// Each file is posted on its own; a refused file shows its message and the others carry on.

import { format } from "./media-text.js";

export class UploadQueue {
  constructor({ url, csrfToken, parallel, texts, limits, list, summary, onQueued, onUploaded, onFailed, onSettled }) {
    Object.assign(this, { url, csrfToken, parallel, texts, limits, list, summary, onQueued, onUploaded, onFailed, onSettled });
    this.waiting = [];
    this.active = 0;
    this.total = 0;
    this.done = 0;
  }

  get busy() {
    return this.active + this.waiting.length;
  }

  add(files, extra = {}) {
    for (const file of files) {
      const job = { file, extra, row: this.makeRow(file) };
      this.total += 1;
      this.onQueued(job);
      const refusal = this.precheck(file);
      if (refusal) this.fail(job, refusal, false);
      else this.waiting.push(job);
    }
    this.pump();
  }

  precheck(file) {
    const isVideo = file.type.startsWith("video/") || /\.(mp4|m4v|mov|webm)$/i.test(file.name);
    const max = isVideo ? this.limits.videoMaxBytes : this.limits.pictureMaxBytes;
    if (file.size > max) return format(this.texts.tooLarge, { max: Math.floor(max / 1048576) });
    return null;
  }

  makeRow(file) {
    const row = document.createElement("li");
    row.className = "upload-row";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", file.name);
    const status = document.createElement("span");
    status.className = "upload-state";
    status.textContent = this.texts.queued;
    row.append(name, progress, status);
    this.list.append(row);
    this.list.parentElement.querySelector(".upload-status").hidden = false;
    return row;
  }

  pump() {
    while (this.active < this.parallel && this.waiting.length) this.send(this.waiting.shift());
    this.updateSummary();
  }

  send(job) {
    this.active += 1;
    const { row } = job;
    const progress = row.querySelector("progress");
    const status = row.querySelector(".upload-state");
    row.className = "upload-row is-uploading";
    status.textContent = format(this.texts.uploading, { percent: 0 });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", this.url);
    xhr.setRequestHeader("X-CSRFToken", this.csrfToken);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      const percent = Math.round((event.loaded / event.total) * 100);
      progress.value = percent;
      status.textContent = format(this.texts.uploading, { percent });
    });
    xhr.addEventListener("load", () => {
      const answer = xhr.response || {};
      if (xhr.status === 201) {
        progress.value = 100;
        row.className = "upload-row is-done";
        status.textContent = answer.status === "PENDING" ? this.texts.processing : this.texts.processingDone;
        this.done += 1;
        this.onUploaded(answer, job);
      } else if (xhr.status === 400 || xhr.status === 413) {
        this.fail(job, answer.error || format(this.texts.tooLarge, { max: Math.floor(this.limits.pictureMaxBytes / 1048576) }), false);
      } else {
        this.fail(job, this.texts.serverError, true);
      }
    });
    xhr.addEventListener("error", () => this.fail(job, this.texts.networkError, true));
    xhr.addEventListener("loadend", () => {
      this.active -= 1;
      this.pump();
      this.onSettled();
    });
    const data = new FormData();
    data.append("file", job.file, job.file.name);
    for (const [key, value] of Object.entries(job.extra)) if (value !== undefined && key !== "card") data.append(key, value);
    xhr.send(data);
  }

  fail(job, message, retryable) {
    const { row } = job;
    if (!retryable) this.onFailed(job);
    row.className = "upload-row is-error";
    row.querySelector("progress").hidden = true;
    const status = row.querySelector(".upload-state");
    status.textContent = message;
    status.setAttribute("role", "alert");
    if (retryable) {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "button small";
      retry.textContent = this.texts.retry;
      retry.setAttribute("aria-label", `${this.texts.retry}: ${job.file.name}`);
      retry.addEventListener("click", () => {
        retry.remove();
        row.querySelector("progress").hidden = false;
        status.removeAttribute("role");
        this.waiting.push(job);
        this.pump();
      });
      row.append(retry);
    }
    this.updateSummary();
  }

  markProcessed(row, message, failed) {
    if (!row) return;
    row.className = failed ? "upload-row is-error" : "upload-row is-done";
    const status = row.querySelector(".upload-state");
    status.textContent = message;
    if (failed) status.setAttribute("role", "alert");
  }

  updateSummary() {
    this.summary.textContent = format(this.texts.uploadsSummary, { done: this.done, total: this.total });
  }

  clearFinished() {
    for (const row of this.list.querySelectorAll(".upload-row.is-done, .upload-row.is-error")) {
      if (!row.querySelector("button")) row.remove();
    }
    if (!this.list.children.length) {
      this.total = this.done = 0;
      this.list.parentElement.querySelector(".upload-status").hidden = true;
    }
  }
}
