// The Sync progress bar: polls the progress endpoint while a run goes on, then tells the bell
// (event "booksync:sync-finished") and reloads the page so the booking numbers show. Its texts
// come translated from the page (data-text-* attributes of the progress box).
(() => {
  "use strict";

  const box = document.querySelector("[data-sync-progress]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector(".sync-progress__text");
  const button = document.querySelector("[data-sync-button]");
  let sawRunning = !box.hidden;
  const texts = {
    syncing: box.dataset.textSyncing || "Syncing: {done} of {total}",
    running: box.dataset.textRunning || "Sync running…",
    finished: box.dataset.textFinished || "Sync finished",
  };

  const schedule = (ms) => window.setTimeout(poll, ms);

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) {
          schedule(3000);
          return;
        }
        if (data.running) {
          sawRunning = true;
          box.hidden = false;
          bar.max = Math.max(1, data.total);
          bar.value = data.done;
          text.textContent = texts.syncing
            .replace("{done}", data.done)
            .replace("{total}", data.total);
          if (button) {
            button.disabled = true;
            button.textContent = texts.running;
          }
          schedule(1000);
          return;
        }
        if (sawRunning) {
          bar.max = 1;
          bar.value = 1;
          text.textContent = data.summary || texts.finished;
          document.dispatchEvent(new CustomEvent("booksync:sync-finished", { detail: data }));
          window.setTimeout(() => window.location.reload(), 1500);
        }
      })
      .catch(() => schedule(3000));
  }

  if (sawRunning) {
    poll();
  }
})();
