/* bwportal's service worker (issue 19 item 6; see bwportal/web/offline.py). Network first: a page
   opened online is kept, and served from here only when the network fails. Only GET pages whose
   answer names this worker's user (BW-Offline-User) are kept, in a cache named after that user;
   anything else that comes back (signed out, another user) clears it. Saves made offline are
   queued by app.js (a cache per user, an idempotency key each) and sent by the pages; when the
   link returns with no page open, Background Sync has this worker send them. */
"use strict";

var USER = new URL(self.location.href).searchParams.get("u") || "";
var CACHE = "bwportal-pages-" + USER;
var QUEUE = "bwportal-queue-" + USER;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE && n !== QUEUE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Answers are kept in the order their requests started: a slow older answer must not
   overwrite a newer one (a page fetched again after a save). */
var writing = Promise.resolve();
function keepInOrder(request, answer, isPage) {
  writing = writing.then(function () {
    return answer.then(function (response) { return keep(request, response, isPage); });
  }).catch(function () {});
  return writing;
}

function keep(request, response, isPage) {
  if (!response.ok) return Promise.resolve();
  var html = (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
  if (isPage && html && response.headers.get("BW-Offline-User") !== USER) {
    return caches.delete(CACHE);  // signed out, or someone else signed in: nothing is kept
  }
  if (isPage && !html) return Promise.resolve();  // downloads are not kept
  var copy = response.clone();
  // One copy per address: the answers vary on headers (HX-Request, Cookie) that a page's request
  // and the worker's own refetch do not share, which would otherwise keep both, old and new.
  return caches.open(CACHE).then(function (cache) {
    return cache.delete(request.url, { ignoreVary: true }).then(function () { return cache.put(request.url, copy); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !USER) return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var isPage = request.mode === "navigate";
  if (!isPage && url.pathname.indexOf("/static/") !== 0) return;  // fragments, files: network only
  var answer = fetch(request);
  event.waitUntil(keepInOrder(request, answer.then(function (r) { return r.clone(); }), isPage));
  event.respondWith(answer.catch(function (error) {
    return caches.open(CACHE)
      .then(function (cache) { return cache.match(request, { ignoreVary: true }); })
      .then(function (hit) { if (hit) return hit; throw error; });
  }));
});

/* app.js asks for a page again after an HTMX save or move, so that what is kept is current. */
self.addEventListener("message", function (event) {
  var url = event.data && event.data.refresh;
  if (!USER || typeof url !== "string") return;
  var target = new URL(url, self.location.href);
  if (target.origin !== self.location.origin) return;
  var request = new Request(target.href, { credentials: "same-origin" });
  event.waitUntil(keepInOrder(request, fetch(request), true));
});

/* The saves queued offline, sent when the link returns (Background Sync) if no page is open to
   send them (a page shows the answer; app.js). Each is sent once in order with its key: saved, it
   leaves the queue; a conflict or a refusal stays there, answered, for the page that shows it;
   signed out or no answer, it waits. A failed sync is tried again by the browser. */
self.addEventListener("sync", function (event) {
  if (event.tag !== "bwportal-queue" || !USER) return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (open) {
    if (open.length) return;
    return caches.open(QUEUE).then(function (cache) {
      return cache.keys().then(function (slots) {
        return slots.reduce(function (done, slot) {
          return done.then(function () { return cache.match(slot); }).then(function (kept) {
            return kept && kept.json().then(function (item) {
              if (item.answered) return;
              return fetch(item.url, { method: "POST", body: new URLSearchParams(item.body), credentials: "same-origin",
                                       headers: { "HX-Request": "true", "Idempotency-Key": item.id } })
                .then(function (response) {
                  if (response.redirected || !(response.ok || response.status === 409 || response.status === 422)) return;
                  item.answered = response.status;
                  return cache.match(slot).then(function (now) { return now && now.json(); }).then(function (now) {
                    if (!now || now.id !== item.id) return;  // saved again meanwhile: that one waits
                    return response.ok ? cache.delete(slot) : cache.put(slot, new Response(JSON.stringify(item)));
                  });
                });
            });
          });
        }, Promise.resolve());
      });
    });
  }));
});
