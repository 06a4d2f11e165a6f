// Progressive enhancement only: every page works without it.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;
  if (target.matches("[data-print]")) {
    window.print();
  }
  if (target.matches("[data-back]")) { event.preventDefault(); history.back(); }
  if (target.matches("button.danger") && !window.confirm("确定驳回？")) event.preventDefault();
});
