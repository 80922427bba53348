// The Sync progress bar: polls the progress endpoint while a run goes on, then tells the bell
// (event "booksync:sync-finished") and reloads the page so the booking numbers show.
(function () {
  "use strict";
  var box = document.querySelector("[data-sync-progress]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector(".sync-progress__text");
  var button = document.querySelector("[data-sync-button]");
  var sawRunning = !box.hidden;

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return schedule(3000); }
        if (data.running) {
          sawRunning = true;
          box.hidden = false;
          bar.max = Math.max(1, data.total);
          bar.value = data.done;
          text.textContent = "Syncing: " + data.done + " of " + data.total;
          if (button) { button.disabled = true; button.textContent = "Sync running…"; }
          return schedule(1000);
        }
        if (sawRunning) {
          bar.max = 1;
          bar.value = 1;
          text.textContent = data.summary || "Sync finished";
          document.dispatchEvent(new CustomEvent("booksync:sync-finished", { detail: data }));
          window.setTimeout(function () { window.location.reload(); }, 1500);
        }
      })
      .catch(function () { schedule(3000); });
  }
  function schedule(ms) { window.setTimeout(poll, ms); }
  if (sawRunning) { poll(); }
})();
