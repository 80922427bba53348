// notifications.js
