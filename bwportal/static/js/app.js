/* bwportal: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  /* Language picker: change language on selection, the button stays for keyboards. */
  function autosubmit(root) {
    each(root, "select[data-autosubmit]", function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  /* A live total, e.g. male + female employees. */
  function sums(root) {
    each(root, "output[data-sum-of]", function (out) {
      var form = out.closest("form");
      var names = out.getAttribute("data-sum-of").split(" ");
      function update() {
        var total = 0, ok = true;
        names.forEach(function (n) {
          var v = form.elements[n] && form.elements[n].value.trim();
          if (!/^\d+$/.test(v || "")) { ok = false; } else { total += parseInt(v, 10); }
        });
        out.textContent = ok ? total.toLocaleString(document.documentElement.lang) : "—";
      }
      names.forEach(function (n) { if (form.elements[n]) form.elements[n].addEventListener("input", update); });
    });
  }

  /* Nothing typed is lost: unsaved input is kept in localStorage and offered back. */
  var KEY = "bwportal-draft:";
  var dirty = new Set();

  function snapshot(form) {
    var data = {};
    each(form, "input, textarea, select", function (el) {
      if (!el.name || el.type === "hidden" || el.type === "password" || el.type === "file") return;
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name + "=" + el.value] = el.checked;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function apply(form, data) {
    each(form, "input, textarea, select", function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        var k = el.name + "=" + el.value;
        if (k in data) el.checked = data[k];
      } else if (el.name in data) {
        el.value = data[el.name];
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function keepDrafts(root) {
    each(root, "form[data-keep-drafts]", function (form) {
      var key = KEY + form.getAttribute("data-keep-drafts");
      if (form.hasAttribute("data-saved")) { localStorage.removeItem(key); dirty.delete(key); }
      var stored = null;
      try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
      var original = snapshot(form);
      if (stored && !same(stored.data, original)) {
        offer(form, key, stored);
      } else if (stored) {
        localStorage.removeItem(key);
      }
      form.addEventListener("input", function () {
        var now = snapshot(form);
        if (same(now, original)) { localStorage.removeItem(key); dirty.delete(key); return; }
        localStorage.setItem(key, JSON.stringify({ data: now, at: Date.now() }));
        dirty.add(key);
      });
      var submitter = null;
      form.addEventListener("submit", function (event) { dirty.delete(key); submitter = event.submitter || null; });
      form.addEventListener("htmx:beforeRequest", function () { dirty.delete(key); });
      // Saved (2xx): this form's kept copy is done with. Only this form's: the answer may show
      // another form (Save and go to the next section) whose kept copy was never saved.
      form.addEventListener("htmx:afterRequest", function (event) {
        var xhr = event.detail && event.detail.xhr;
        if (xhr && xhr.status >= 200 && xhr.status < 300) localStorage.removeItem(key);
      });
      // No answer at all (offline, link down): say so, keep the text, save again when the link returns.
      form.addEventListener("htmx:sendError", function () { notSaved(form, key, submitter); });
    });
  }

  function notSaved(form, key, submitter) {
    localStorage.setItem(key, JSON.stringify({ data: snapshot(form), at: Date.now() }));
    dirty.add(key);
    if (!form.querySelector(".offline-notice")) {
      var tpl = document.getElementById("offline-template");
      if (tpl) form.insertBefore(tpl.content.firstElementChild.cloneNode(true), form.firstChild);
    }
    if (form.hasAttribute("data-retry-pending")) return;
    form.setAttribute("data-retry-pending", "");
    window.addEventListener("online", function () {
      form.removeAttribute("data-retry-pending");
      if (!form.isConnected) return;  // the user went elsewhere: the kept copy is offered there
      // click(), not requestSubmit(): htmx sends the clicked button's name (next_section).
      var button = submitter && submitter.isConnected && submitter.form === form ? submitter
        : form.querySelector("button[type=submit].primary, button[type=submit]");
      if (button) button.click(); else form.requestSubmit();
    }, { once: true });
  }

  function offer(form, key, stored) {
    var tpl = document.getElementById("draft-offer-template");
    if (!tpl) return;
    var box = tpl.content.firstElementChild.cloneNode(true);
    box.querySelector("[data-restore]").addEventListener("click", function () {
      apply(form, stored.data);
      dirty.add(key);
      box.remove();
    });
    box.querySelector("[data-discard]").addEventListener("click", function () {
      localStorage.removeItem(key);
      box.remove();
    });
    form.parentNode.insertBefore(box, form);
  }

  /* Signing out leaves nothing typed behind on a shared PC (the server also sends
     Clear-Site-Data; this covers browsers that ignore it). */
  document.addEventListener("submit", function (event) {
    if (!event.target.matches || !event.target.matches("form.sign-out, form[data-signs-out]")) return;
    dirty.clear();
    for (var i = localStorage.length - 1; i >= 0; i--) {
      var k = localStorage.key(i);
      if (k && k.indexOf(KEY) === 0) localStorage.removeItem(k);
    }
  }, true);

  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) { event.preventDefault(); event.returnValue = ""; }
  });

  /* The IP form: choosing a cluster brings its compliance points (the plain button does it without JS). */
  function chooseCluster(root) {
    each(root, "button[data-choose-cluster]", function (button) {
      var select = button.form && button.form.elements.cluster_id;
      if (!select) return;
      select.addEventListener("change", function () { button.click(); });
    });
  }

  /* The report's section menu follows HTMX navigation: aria-current on the section shown. */
  document.addEventListener("htmx:pushedIntoHistory", function (event) {
    var path = event.detail && event.detail.path;
    if (!path) return;
    path = path.split("#")[0].split("?")[0];
    var links = document.querySelectorAll(".section-menu a");
    Array.prototype.forEach.call(links, function (a) {
      if (a.pathname === path) a.setAttribute("aria-current", "page");
      else if (a.getAttribute("aria-current") === "page") a.removeAttribute("aria-current");
    });
  });

  function enhance(root) { autosubmit(root); sums(root); keepDrafts(root); chooseCluster(root); }
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (e) {
    if (e.target !== document.body) enhance(e.target);
  });
})();
