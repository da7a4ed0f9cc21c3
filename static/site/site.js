// The demo shop's "Open the chat" button (a file, not an onclick attribute: the page's CSP runs no inline script).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-open-chat]") && window.HelpdeskWidget) {
    window.HelpdeskWidget.open();
  }
});
