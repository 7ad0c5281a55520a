// The web app's few interactions, each a progressive enhancement: every page works without it.
(function () {
  "use strict";

  // Upload: dropping a file on the zone puts it in the file input.
  function dropzones() {
    document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var shown = zone.querySelector("[data-dropzone-file]");
      function show() {
        if (shown) shown.textContent = input.files.length ? "Ready: " + input.files[0].name : "";
      }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          show();
        }
      });
      input.addEventListener("change", show);
    });
  }

  // Offer form: "Add" appends the searched industry to the ICP list (one per line).
  function pickers() {
    document.querySelectorAll("[data-picker-target]").forEach(function (picker) {
      var target = document.getElementById(picker.getAttribute("data-picker-target"));
      var search = picker.querySelector("input[type=search]");
      function add() {
        var value = search.value.trim();
        if (!value || !target) return;
        var lines = target.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
        if (lines.indexOf(value) === -1) lines.push(value);
        target.value = lines.join("\n");
        search.value = "";
        search.focus();
      }
      picker.querySelector("[data-picker-add]").addEventListener("click", add);
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); add(); }
      });
    });
  }

  // API keys: copy the new key.
  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        var status = document.querySelector("[data-copy-status]");
        input.select();
        var done = function () { if (status) status.textContent = "Copied to the clipboard."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () {
            if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected key.";
          });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropzones();
    pickers();
    copyButtons();
  });
})();
