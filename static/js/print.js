// The print page's Print button; a file of its own because the Content-Security-Policy
// allows no inline script or onclick attribute.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
