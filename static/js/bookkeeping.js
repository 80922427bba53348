// bookkeeping.js
