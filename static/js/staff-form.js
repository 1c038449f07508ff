// Bootstrap look for Django's default widgets on the admin panel's generic form page.
document.querySelectorAll("form input:not([type=checkbox]):not([type=hidden]), form textarea").forEach((el) => el.classList.add("form-control"));
document.querySelectorAll("form select").forEach((el) => el.classList.add("form-select"));
document.querySelectorAll("form input[type=checkbox]").forEach((el) => el.classList.add("form-check-input"));
