// Fill a translated text's %(name)s placeholders (gettext's python-format) and %% signs.
export function format(text, params = {}) {
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? "")).replace(/%%/g, "%");
}
