// Invoicing pages: small enhancements; every page works without them.
(() => {
  "use strict";

  // "Add line" adds an empty row in place instead of posting the form.
  function setUpLineFormset(form) {
    const button = form.querySelector("[data-add-line]");
    const template = form.querySelector("template[data-line-template]");
    const rows = form.querySelector("[data-line-rows]");
    const total = form.querySelector("input[name='lines-TOTAL_FORMS']");
    if (!button || !template || !rows || !total) {
      return;
    }
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const index = parseInt(total.value, 10) || 0;
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const added = rows.lastElementChild;
      const first = added && added.querySelector("input, select");
      if (first) {
        first.focus();
      }
    });
  }

  // A switch of company in the header selects and goes: no extra click needed.
  function setUpAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
      const button = select.form.querySelector("[data-autosubmit-button]");
      if (button) {
        button.classList.add("visually-hidden");
      }
    });
  }

  // Forms with data-confirm ask before they post (deleting a draft).
  function setUpConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  // The cogwheel menu closes on Escape and when clicking elsewhere.
  function setUpColumnChooser() {
    document.querySelectorAll("details.column-chooser").forEach((details) => {
      document.addEventListener("click", (event) => {
        if (details.open && !details.contains(event.target)) {
          details.open = false;
        }
      });
      details.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form.invoice-form").forEach(setUpLineFormset);
    setUpAutosubmit();
    setUpConfirm();
    setUpColumnChooser();
  });
})();
