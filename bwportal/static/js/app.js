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
    if (USER && window.caches && form.hasAttribute("data-offline-queue")) { enqueue(form, key); return; }
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

  /* Offline, for real (issue 19 item 6; how it works: bwportal/web/offline.py). Saves made
     offline in forms marked data-offline-queue wait in a cache, one per user, sent with their key. */
  var USER = null;
  var QUEUE = "bwportal-queue-";

  function queue() { return caches.open(QUEUE + USER); }
  function slot(item) { return "/offline-queue/" + encodeURIComponent(item.draft); }

  /* The saves waiting, oldest first. */
  function queued() {
    return queue().then(function (cache) {
      return cache.keys().then(function (slots) {
        return Promise.all(slots.map(function (s) { return cache.match(s).then(function (r) { return r.json(); }); }));
      });
    });
  }

  function put(item) {
    return queue().then(function (cache) { return cache.put(slot(item), new Response(JSON.stringify(item))); });
  }

  /* Keep (with its answer) or drop only that save: a later one of the same form may have taken its place. */
  function settle(item, keep) {
    return queue().then(function (cache) {
      return cache.match(slot(item)).then(function (r) { return r && r.json(); }).then(function (now) {
        if (now && now.id === item.id) return keep ? put(item) : cache.delete(slot(item));
      });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  function enqueue(form, key) {
    // Only the save: "and go to the next section" is not replayed (the user stays where they are).
    // A later save of the same form replaces the one waiting: both start from the same version.
    put({ id: newKey(), url: form.getAttribute("hx-post") || form.action,
          body: new URLSearchParams(new FormData(form)).toString(), draft: key,
          place: form.getAttribute("data-offline-queue") || null, typed: snapshot(form), at: Date.now() })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) { if (reg.sync) return reg.sync.register("bwportal-queue"); })
      .catch(function () {});
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : null;
  }

  function formOf(item) {
    return document.querySelector('form[data-keep-drafts="' + item.draft.slice(KEY.length) + '"]');
  }

  /* Where the answer goes on this page: the form's target, else the place it named (an IP card). */
  function placeOf(item) {
    var form = formOf(item);
    var target = form ? form.getAttribute("hx-target") || "#section" : item.place;
    return target && document.querySelector(target);
  }

  function showAnswer(item, html) {
    var target = placeOf(item), form = formOf(item);
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var fresh = holder.content.firstElementChild;
    if (!target || !fresh) return;
    var typed = form && snapshot(form);  // typed after the queued save: never lost to the answer
    target.replaceWith(fresh);
    if (window.htmx) htmx.process(fresh);
    enhance(fresh);
    var again = formOf(item);
    if (again && typed && item.typed && !same(typed, item.typed)) {
      apply(again, typed);
      localStorage.setItem(item.draft, JSON.stringify({ data: typed, at: Date.now() }));
      dirty.add(item.draft);
    }
  }

  /* A page opened offline while a save waits says so, the text in the form (not the offer). */
  function showWaiting(items) {
    items.forEach(function (item) {
      var form = formOf(item), place = form || placeOf(item);
      if (!place || place.querySelector(".offline-notice")) return;
      if (form) {
        var offer = form.previousElementSibling;
        if (offer && offer.classList.contains("draft-offer")) offer.remove();
        var kept = null;
        try { kept = JSON.parse(localStorage.getItem(item.draft) || "null"); } catch (e) { kept = null; }
        apply(form, (kept && kept.data) || item.typed || {});
        dirty.delete(item.draft);
      }
      var tpl = document.getElementById("offline-template");
      if (tpl) place.insertBefore(tpl.content.firstElementChild.cloneNode(true), place.firstChild);
    });
  }

  var replaying = false;
  function replay() {
    if (!USER || !window.caches || replaying || !navigator.onLine) return;
    replaying = true;
    queued().then(function (items) {
      // An answer given already (a conflict) is asked for again only where it can be shown.
      var item = items.filter(function (i) { return !i.answered || placeOf(i); })[0];
      if (!item) return false;
      var body = new URLSearchParams(item.body);
      var token = csrfToken();  // the page's token: the queued one may be from a cached page
      if (token) body.set("csrf_token", token);
      return fetch(item.url, { method: "POST", body: body, credentials: "same-origin",
                               headers: { "HX-Request": "true", "Idempotency-Key": item.id } })
        .then(function (response) {
          // Signed out, or the server is down: the save waits for the next chance.
          if (response.redirected || response.status === 401 || response.status >= 500) return false;
          return response.text().then(function (html) {
            var kept = localStorage.getItem(item.draft);
            if (response.ok) { localStorage.removeItem(item.draft); dirty.delete(item.draft); }
            else if (!placeOf(item)) { item.answered = response.status; return settle(item, true).then(function () { return true; }); }
            // Saved; or the conflict or refusal beside our text. Text typed after the queued save
            // stays in the form and on the device (showAnswer).
            return settle(item, false).then(function () {
              showAnswer(item, html);
              if (!response.ok && kept && localStorage.getItem(item.draft) === null) {
                localStorage.setItem(item.draft, kept);  // still ours: kept on this device
                dirty.add(item.draft);
              }
              return true;
            });
          });
        }, function () { return false; });
    }).catch(function () { return false; })
      .then(function (sent) { replaying = false; if (sent) replay(); });
  }

  function serviceWorker() {
    USER = document.body.getAttribute("data-offline-user");
    // Nothing kept for anyone else: other users' pages and queues go (signed out, or someone else).
    if (window.caches) {
      caches.keys().then(function (names) {
        names.forEach(function (n) {
          if (n.indexOf("bwportal-") === 0 && n !== "bwportal-pages-" + USER && n !== QUEUE + USER) caches.delete(n);
        });
      });
      if (USER) {
        // A queue kept by an earlier app.js (localStorage) joins this one.
        var old = localStorage.getItem("bwportal-queue:" + USER);
        localStorage.removeItem("bwportal-queue:" + USER);
        Promise.resolve(old).then(function (o) { return Promise.all(JSON.parse(o || "[]").map(put)); })
          .then(queued).then(function (items) {
            if (!navigator.onLine) showWaiting(items);
          }).catch(function () {}).then(replay);
      }
    }
    Object.keys(localStorage).forEach(function (k) {
      if (k.indexOf("bwportal-queue:") === 0) localStorage.removeItem(k);
    });
    if (!("serviceWorker" in navigator)) return;
    if (USER) {
      navigator.serviceWorker.register("/sw.js?u=" + encodeURIComponent(USER), { scope: "/" })
        .catch(function () {});
    } else {
      navigator.serviceWorker.getRegistrations().then(function (regs) {
        regs.forEach(function (reg) { reg.unregister(); });
      });
    }
  }

  /* After an HTMX save or move, the worker fetches the page again, so that what it keeps is current. */
  function refreshKept() {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (USER && worker) worker.postMessage({ refresh: location.href });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status >= 200 && xhr.status < 300) setTimeout(refreshKept, 0);
  });

  /* A link HTMX could not fetch (offline): its page, which the service worker may have kept. */
  document.addEventListener("htmx:sendError", function (event) {
    var link = event.detail && event.detail.elt;
    if (link && link.tagName === "A" && link.href) location.href = link.href;
  });

  /* Signing out leaves nothing of this user on the device (the server's Clear-Site-Data does it
     too where the browser honours it). */
  function clearOnSignOut(root) {
    each(root, "form.sign-out", function (form) {
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-cleared")) return;
        event.preventDefault();
        dirty.clear();
        Object.keys(localStorage).forEach(function (k) {
          if (k.indexOf("bwportal-") === 0) localStorage.removeItem(k);
        });
        var work = [];
        if (window.caches) {
          work.push(caches.keys().then(function (names) {
            return Promise.all(names.map(function (n) { return caches.delete(n); }));
          }));
        }
        if ("serviceWorker" in navigator) {
          work.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
            return Promise.all(regs.map(function (reg) { return reg.unregister(); }));
          }));
        }
        Promise.all(work).catch(function () {}).then(function () {
          form.setAttribute("data-cleared", "");
          form.submit();
        });
      });
    });
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

  window.addEventListener("online", replay);
  document.addEventListener("DOMContentLoaded", function () {
    serviceWorker();
    enhance(document);
    clearOnSignOut(document);
  });
  document.addEventListener("htmx:load", function (e) {
    if (e.target !== document.body) enhance(e.target);
  });
})();
