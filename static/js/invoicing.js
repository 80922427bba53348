// invoicing.js
