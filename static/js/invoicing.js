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

  // VAT treatments: a line's rate and treatment follow each other, and the customer sets the
  // treatment of the lines the user did not set by hand (intra-community, export, or the rate).
  const ZERO_RATED = ["exempt", "intra_goods", "intra_services", "export", "reverse_charge"];

  function lineSelects(row) {
    return {
      rate: row.querySelector("select[name$='-vat_rate']"),
      treatment: row.querySelector("select[name$='-vat_treatment']"),
    };
  }

  function rateTreatment(rate) {
    if (parseFloat(rate.value) === 0) {
      return "zero";
    }
    return rate.selectedIndex === 0 ? "standard" : "reduced";
  }

  function setRate(rate, value) {
    const option = Array.from(rate.options).find((o) => parseFloat(o.value) === value);
    if (option) {
      rate.value = option.value;
    }
  }

  function applyTreatment(row, treatment) {
    const { rate, treatment: select } = lineSelects(row);
    if (!rate || !select) {
      return;
    }
    select.value = treatment;
    if (ZERO_RATED.includes(treatment) || treatment === "zero") {
      setRate(rate, 0);
    } else if (treatment === "standard") {
      rate.selectedIndex = 0;
    } else if (treatment === "reduced" && rateTreatment(rate) !== "reduced") {
      rate.selectedIndex = Math.min(1, rate.options.length - 1);
    }
  }

  function setUpVatTreatments(form) {
    const rows = form.querySelector("[data-line-rows]");
    const customer = form.querySelector("select[name='customer']");
    if (!rows) {
      return;
    }
    rows.addEventListener("change", (event) => {
      const row = event.target.closest("tr");
      const { rate, treatment } = lineSelects(row);
      if (!rate || !treatment) {
        return;
      }
      if (event.target === treatment) {
        treatment.dataset.chosen = "1";
        applyTreatment(row, treatment.value);
      } else if (event.target === rate && !ZERO_RATED.includes(treatment.value)) {
        treatment.value = rateTreatment(rate);
      }
    });
    if (!customer) {
      return;
    }
    const implied = () => {
      const option = customer.options[customer.selectedIndex];
      return (option && option.dataset.vatTreatment) || "standard";
    };
    // A row follows the customer unless the user set its treatment; going back to a taxed
    // customer only resets rows at a 0 % treatment (a reduced rate stays as it was).
    const follow = (row) => {
      const { treatment } = lineSelects(row);
      const wanted = implied();
      if (!treatment || treatment.dataset.chosen) {
        return;
      }
      if (ZERO_RATED.includes(wanted) || ZERO_RATED.includes(treatment.value)) {
        applyTreatment(row, wanted);
      }
    };
    customer.addEventListener("change", () => rows.querySelectorAll("tr").forEach(follow));
    new MutationObserver((records) => {
      records.forEach((record) => {
        record.addedNodes.forEach((node) => {
          if (node.nodeType === Node.ELEMENT_NODE && customer.value) {
            follow(node);
          }
        });
      });
    }).observe(rows, { childList: true });
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
    document.querySelectorAll("form.invoice-form").forEach(setUpVatTreatments);
    setUpAutosubmit();
    setUpConfirm();
    setUpColumnChooser();
  });
})();
