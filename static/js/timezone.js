// Pre-select the browser's time zone in the time-zone selects the server marked with
// data-follow-browser-zone: those of a fresh form, where the person has chosen nothing yet
// (a new account, a new team). Only a zone the select offers is chosen; without JavaScript,
// or for a zone not offered, the server's default stays.
(() => {
  // Browsers name some zones by spellings the tz database has since replaced.
  const RENAMED = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca",
    "America/Coral_Harbour": "America/Atikokan",
    "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy",
    "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Etc/UTC": "UTC",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
  };

  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  if (!zone) return;

  for (const select of document.querySelectorAll("select[data-follow-browser-zone]")) {
    const offered = (name) => Array.from(select.options).some((option) => option.value === name);
    const choice = [zone, RENAMED[zone]].find((name) => name && offered(name));
    if (choice) select.value = choice;
  }
})();
