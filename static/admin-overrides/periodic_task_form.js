// Django admin, periodic task add/change (django-celery-beat): the crontab's help text says the
// chosen schedule in words ("Translation: At 04:00 AM"), and the read-only translation field is
// hidden. The package does this in an inline script, which our CSP refuses; this is the same
// behaviour from our own origin, writing text (never HTML) into the page.
(function () {
  "use strict";
  const data = document.getElementById("readable-crontabs");
  const select = document.getElementById("id_crontab");
  if (!data || !select) {
    return;
  }
  const readable = JSON.parse(data.textContent);
  const help = document.querySelector(".field-crontab .help");
  const originalHelp = help ? help.textContent.trim() : "";

  document.querySelectorAll(".field-crontab_translation").forEach((row) => {
    row.style.display = "none";
  });

  function showTranslation() {
    if (!help) {
      return;
    }
    const words = readable[select.value];
    help.textContent = originalHelp;
    if (words) {
      help.append(document.createElement("br"), `Translation: ${words}`);
    }
  }

  select.addEventListener("change", showTranslation);
  showTranslation();
})();
