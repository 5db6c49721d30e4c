// Small browser helpers for the Custom GPT page, called from Blazor through JS interop.
window.customGpt = {
  // Copies text to the clipboard; true when it worked. Falls back to a hidden textarea where the
  // Clipboard API is missing (plain http on a non-local address).
  copyText: async function (text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) {
      // fall through to the fallback
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
};

// The Chat page: the conversation is kept in this tab's sessionStorage (it survives a reload).
window.customGpt.sessionWrite = function (key, text) {
  try { sessionStorage.setItem(key, text); return true; } catch (e) { return false; }
};
// Bytes, which Blazor hands to .NET as a stream (IJSStreamReference): the text may be larger than one message
// from the browser to the server may be. Empty when nothing is kept.
window.customGpt.sessionRead = function (key) {
  let text = null;
  try { text = sessionStorage.getItem(key); } catch (e) { text = null; }
  return new TextEncoder().encode(text ?? "");
};
// Enter sends (clicks the button), Shift+Enter makes a new line; an IME composing text keeps its Enter.
window.customGpt.enterSends = function (boxId, buttonId) {
  const box = document.getElementById(boxId);
  if (!box || box.dataset.enterSends) return;
  box.dataset.enterSends = "true";
  box.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    const button = document.getElementById(buttonId);
    if (button && !button.disabled) button.click();
  });
};
// Keeps the newest message in view while a reply streams in, unless the reader scrolled away to read.
// The end is the conversation's end with the message box under it, not the page's (on a phone the settings follow).
window.customGpt.chatEnd = function () {
  const conversation = document.querySelector("[data-testid=conversation]");
  const box = document.querySelector(".message-box");
  if (!conversation) return null;
  const bottom = conversation.getBoundingClientRect().bottom + window.scrollY + (box ? box.offsetHeight + 16 : 0);
  return Math.max(0, bottom - window.innerHeight);
};
window.customGpt.atEnd = true;
window.addEventListener("scroll", function () {
  const end = window.customGpt.chatEnd();
  if (end !== null) window.customGpt.atEnd = Math.abs(window.scrollY - end) < 80;
}, { passive: true });
window.customGpt.followEnd = function () {
  const end = window.customGpt.chatEnd();
  if (end !== null && window.customGpt.atEnd) window.scrollTo(0, end);
};
// Signing out forgets this tab's conversation, so the next person in it starts afresh.
document.addEventListener("submit", function (e) {
  if (e.target instanceof HTMLFormElement && e.target.getAttribute("action") === "signout") {
    try { sessionStorage.removeItem("customGpt.chat"); } catch (err) { /* storage blocked */ }
  }
});
// Light or dark, as chosen with the app bar's toggle: a cookie, so the server renders the first paint in it too.
window.customGpt.rememberTheme = function (choice) {
  document.cookie = "customgpt.theme=" + encodeURIComponent(choice) + "; path=/; max-age=31536000; samesite=lax";
};
// A file the server sent over the circuit (the Training page's GGUF), saved by the browser.
window.customGpt.downloadFile = async function (name, streamReference) {
  const blob = new Blob([await streamReference.arrayBuffer()]);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
};
