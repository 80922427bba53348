// Invoicing pages: small enhancements; every page works without them.
(function () {
  "use strict";

  // "Add line" adds an empty row in place instead of posting the form.
  function setUpLineFormset(form) {
    var button = form.querySelector("[data-add-line]");
    var template = form.querySelector("template[data-line-template]");
    var rows = form.querySelector("[data-line-rows]");
    var total = form.querySelector("input[name='lines-TOTAL_FORMS']");
    if (!button || !template || !rows || !total) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input, select");
      if (first) first.focus();
    });
  }

  // A switch of company in the header selects and goes: no extra click needed.
  function setUpAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
      var button = select.form.querySelector("[data-autosubmit-button]");
      if (button) button.classList.add("visually-hidden");
    });
  }

  // Forms with data-confirm ask before they post (deleting a draft).
  function setUpConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  // The cogwheel menu closes on Escape and when clicking elsewhere.
  function setUpColumnChooser() {
    document.querySelectorAll("details.column-chooser").forEach(function (details) {
      document.addEventListener("click", function (event) {
        if (details.open && !details.contains(event.target)) details.open = false;
      });
      details.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.invoice-form").forEach(setUpLineFormset);
    setUpAutosubmit();
    setUpConfirm();
    setUpColumnChooser();
  });
})();
