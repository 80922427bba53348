// The bell in the header: keeps its count and list fresh without a page reload.
//
// The bell works without this script (a <details> dropdown with POST forms). This script adds:
// - a refresh every few seconds, at once when the dropdown opens, and when a page dispatches
//   `document.dispatchEvent(new CustomEvent("booksync:sync-finished"))`;
// - Escape and a click outside close the dropdown;
// - reading a notification or all of them through fetch (X-CSRFToken), then following its link.
(() => {
  "use strict";

  const POLL_MS = 5000;
  const BELL_ID = "notification-bell";
  let inFlight = false;
  let stopped = false;

  const bell = () => document.getElementById(BELL_ID);

  function csrfToken(form) {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    const input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function currentPath() {
    return window.location.pathname + window.location.search;
  }

  // Swap the badge and the panel for the fresh ones, keeping the <details> (its open state) and
  // the live region element (so screen readers announce the new count), and the keyboard focus.
  function apply(html) {
    const root = bell();
    if (!root) {
      return;
    }
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(BELL_ID);
    if (!fresh) {
      return;
    }
    const badge = root.querySelector("[data-bell-badge]");
    const freshBadge = fresh.querySelector("[data-bell-badge]");
    if (badge && freshBadge && badge.innerHTML !== freshBadge.innerHTML) {
      badge.innerHTML = freshBadge.innerHTML;
      badge.className = freshBadge.className;
    }
    const panel = root.querySelector("[data-bell-panel]");
    const freshPanel = fresh.querySelector("[data-bell-panel]");
    if (!panel || !freshPanel || panel.innerHTML === freshPanel.innerHTML) {
      return;
    }
    const focused = panel.contains(document.activeElement) ? document.activeElement : null;
    const focusedId = focused ? focused.getAttribute("data-notification-id") : null;
    panel.innerHTML = freshPanel.innerHTML;
    if (focused) {
      const again =
        (focusedId && panel.querySelector(`button[data-notification-id="${focusedId}"]`)) ||
        panel.querySelector("button, a");
      if (again) {
        again.focus();
      }
    }
  }

  function refresh() {
    const root = bell();
    if (!root || inFlight || stopped) {
      return;
    }
    inFlight = true;
    const url = `${root.dataset.bellUrl}?next=${encodeURIComponent(currentPath())}`;
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Requested-With": "XMLHttpRequest" },
    })
      .then((response) => {
        // Logged out meanwhile (redirect to the login page): stop asking.
        if (response.redirected || response.status === 403) {
          stopped = true;
          return "";
        }
        return response.ok ? response.text() : "";
      })
      .then((html) => {
        if (html) {
          apply(html);
        }
      })
      .catch(() => {})
      .finally(() => {
        inFlight = false;
      });
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": csrfToken(form),
        "X-Requested-With": "XMLHttpRequest",
      },
    }).then((response) => {
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      return response.json();
    });
  }

  // Reading goes through fetch; on any failure the form is submitted the plain way.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.closest(`#${BELL_ID}`)) {
      return;
    }
    const isRead = form.hasAttribute("data-bell-read");
    if (!isRead && !form.hasAttribute("data-bell-read-all")) {
      return;
    }
    event.preventDefault();
    post(form)
      .then((data) => {
        if (isRead && data.link) {
          window.location.assign(data.link);
        } else {
          refresh();
        }
      })
      .catch(() => form.submit());
  });

  // Right-aligned under the bell, unless that would push the panel off the left edge.
  function align(root) {
    const panel = root.querySelector("[data-bell-panel]");
    if (!panel) {
      return;
    }
    const room = root.getBoundingClientRect().right;
    root.classList.toggle("bell--align-left", room < panel.offsetWidth + 8);
  }

  function close(details, returnFocus) {
    details.removeAttribute("open");
    const summary = details.querySelector("summary");
    if (returnFocus && summary) {
      summary.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") {
      return;
    }
    const details = document.querySelector(`#${BELL_ID} details[open]`);
    if (details) {
      event.preventDefault();
      close(details, details.contains(document.activeElement));
    }
  });

  document.addEventListener("click", (event) => {
    const details = document.querySelector(`#${BELL_ID} details[open]`);
    if (details && !details.contains(event.target)) {
      close(details, false);
    }
  });

  // `toggle` does not bubble: listen in the capture phase so a re-rendered bell still works.
  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target instanceof HTMLDetailsElement && event.target.closest(`#${BELL_ID}`)) {
        if (event.target.open) {
          align(event.target.closest(`#${BELL_ID}`));
          refresh();
        }
      }
    },
    true,
  );

  document.addEventListener("booksync:sync-finished", refresh);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      refresh();
    }
  });
  window.setInterval(() => {
    if (!document.hidden) {
      refresh();
    }
  }, POLL_MS);
})();
