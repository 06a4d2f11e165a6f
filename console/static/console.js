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

// The audit run's state, polled while it runs (without script: the page's 刷新结果 link).
const run = document.querySelector("[data-status]");
if (run && document.getElementById("audit-state").textContent.startsWith("正在")) {
  const names = { running: "正在核验…", ok: "通过", failed: "未通过" };
  const poll = async () => {
    const status = await (await fetch(run.dataset.status, { credentials: "same-origin" })).json();
    document.getElementById("audit-state").textContent = `${names[status.state] || status.state}（${status.seconds} 秒）`;
    if (status.state === "running") { setTimeout(poll, 1000); return; }
    const bar = document.getElementById("audit-progress");
    bar.max = 1; bar.value = 1;
    const summary = document.getElementById("audit-summary");
    summary.textContent = status.summary;
    summary.className = status.ok ? "ok" : "bad";
  };
  setTimeout(poll, 1000);
}

// A batch issuance's progress, polled while it runs (without script: the page refreshes itself every 2 s).
const job = document.querySelector("[data-import-status]");
if (job && job.dataset.running === "yes") {
  const poll = async () => {
    const status = await (await fetch(job.dataset.importStatus, { credentials: "same-origin" })).json();
    const bar = document.getElementById("import-progress");
    bar.max = status.total || 1; bar.value = status.done;
    document.getElementById("import-state").textContent = status.label;
    document.getElementById("import-count").textContent = `${status.done} / ${status.total}`;
    if (status.running) { setTimeout(poll, 500); return; }
    window.location.reload();  // the result, rendered by the server
  };
  setTimeout(poll, 500);
}
