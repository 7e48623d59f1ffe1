/* bwportal: evidence uploads that get through 2G and a dropped link (issue 19).
   Photos are made smaller in the browser (long edge 1600 px, JPEG: EXIF and its location go),
   then every file is sent in 96 KB chunks (bwportal/blueprints/uploads); a chunk that fails is
   retried with backoff and when the browser says it is online again, from the offset the server
   has. The form then sends only the uploads' tokens. Without this file the form sends the files
   as a plain multipart upload, as before. */
(function () {
  "use strict";

  var CHUNK = 96 * 1024; // 15 s each on 2G: little lost when the link drops, few round trips
  var LONG_EDGE = 1600;
  var QUALITIES = [0.8, 0.7, 0.6];
  var BUDGET = 160 * 1024; // above this at 0.8, tried again lower: three photos within 90 s on 2G
  var RASTER = /^image\/(jpeg|png|webp)$/;

  function msg(list, name, values) {
    var text = list.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.replace("%(" + key + ")s", values[key]); });
    return text;
  }

  function csrf(form) {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  /* One request; resolves with the XHR, or null if the link failed (never rejects). */
  function request(method, url, headers, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      Object.keys(headers).forEach(function (key) { xhr.setRequestHeader(key, headers[key]); });
      if (onProgress && xhr.upload) xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.timeout = 180000;
      xhr.onload = function () { resolve(xhr.status ? xhr : null); };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve(null); };
      xhr.send(body === undefined ? null : body);
    });
  }

  /* Wait before trying again: backoff (1, 2, 4 … 30 s), cut short when the link comes back. */
  function pause(attempt) {
    var ms = Math.min(30000, 1000 * Math.pow(2, attempt));
    return new Promise(function (resolve) {
      var timer;
      function go() { window.removeEventListener("online", go); clearTimeout(timer); resolve(); }
      timer = setTimeout(go, navigator.onLine === false ? 60000 : ms);
      window.addEventListener("online", go);
    });
  }

  function refusal(xhr) {
    try { return JSON.parse(xhr.responseText).error; } catch (e) { return ""; }
  }

  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  /* A photo as a smaller JPEG, drawn again on a canvas (which keeps no EXIF, so no location);
     anything else, or a browser that cannot, as it is. */
  async function downscale(file) {
    if (!RASTER.test(file.type) || !window.createImageBitmap) return file;
    var bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      return file; // not an image after all: the server says so
    }
    var scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // transparent PNG areas on white, not black
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    var blob = null;
    for (var i = 0; i < QUALITIES.length; i++) {
      blob = await toBlob(canvas, QUALITIES[i]);
      if (!blob || blob.size <= BUDGET) break;
    }
    if (!blob) return file;
    return new File([blob], file.name.replace(/\.[A-Za-z0-9]+$/, "") + ".jpg", { type: "image/jpeg" });
  }

  function row(list, name) {
    var li = document.createElement("li");
    li.className = "upload-row";
    var label = document.createElement("span");
    label.dir = "auto";
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    li.append(label, " ", bar, " ", status);
    list.appendChild(li);
    return {
      li: li,
      progress: function (sent, total) { bar.value = total ? Math.floor(100 * sent / total) : 100; },
      say: function (text) { status.textContent = text; },
    };
  }

  async function send(box, form, list, original) {
    var shown = row(list, original.name);
    shown.say(msg(list, "preparing"));
    var file = await downscale(original);
    var headers = { "X-CSRFToken": csrf(form), Accept: "application/json" };
    var created = null;
    for (var attempt = 0; !created; attempt++) {
      created = await request("POST", box.getAttribute("data-chunked-upload"),
        Object.assign({ "Content-Type": "application/json" }, headers),
        JSON.stringify({ name: file.name, size: file.size }));
      if (created && created.status !== 201) {
        if (created.status < 500) { shown.say(refusal(created) || msg(list, "failed")); shown.li.classList.add("upload-failed"); return; }
        created = null;
      }
      if (!created) { shown.say(msg(list, "waiting")); await pause(attempt); }
    }
    var upload = JSON.parse(created.responseText);
    var offset = 0;
    var failures = 0;
    shown.say(msg(list, "sending"));
    while (offset < file.size) {
      var start = offset;
      var answer = await request("PATCH", upload.url,
        Object.assign({ "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" }, headers),
        file.slice(start, start + CHUNK), function (loaded) { shown.progress(start + loaded, file.size); });
      if (answer && (answer.status === 204 || answer.status === 409)) {
        // 409: the server has more or less than we thought; it says where to go on from.
        offset = parseInt(answer.getResponseHeader("Upload-Offset"), 10) || 0;
        failures = 0;
        shown.progress(offset, file.size);
        shown.say(msg(list, "sending"));
        continue;
      }
      if (answer && answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
        shown.say(refusal(answer) || msg(list, "failed"));
        shown.li.classList.add("upload-failed");
        return;
      }
      // The link dropped (or the server is busy): wait, then ask where the upload stands.
      shown.say(msg(list, "waiting"));
      await pause(failures++);
      var state = await request("HEAD", upload.url, headers);
      if (state && state.status === 204) offset = parseInt(state.getResponseHeader("Upload-Offset"), 10) || 0;
      else if (state && state.status === 404) { shown.say(msg(list, "failed")); shown.li.classList.add("upload-failed"); return; }
    }
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "upload";
    token.value = upload.id;
    shown.li.appendChild(token);
    shown.li.classList.add("upload-done");
    shown.progress(1, 1);
    shown.say(msg(list, "done"));
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button";
    remove.textContent = msg(list, "remove");
    remove.addEventListener("click", function () { shown.li.remove(); });
    shown.li.append(" ", remove);
  }

  function enhance(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll("[data-chunked-upload]") : [];
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.hasAttribute("data-upload-ready") || !window.Promise || !window.XMLHttpRequest) return;
      box.setAttribute("data-upload-ready", "");
      var input = box.querySelector("input[type=file]");
      var list = box.querySelector("[data-upload-list]");
      var form = box.closest("form");
      if (!input || !list || !form) return;
      var pending = 0;
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = ""; // the files go in chunks; the form sends only their tokens
        files.reduce(function (previous, file) {
          pending++;
          return previous.then(function () { return send(box, form, list, file); })
            .catch(function () {}).then(function () { pending--; form.dispatchEvent(new Event("bwportal:uploaded")); });
        }, Promise.resolve());
      });
      // Saving while files are still on their way: wait for them, then save.
      document.addEventListener("submit", function (event) {
        if (event.target !== form || !pending) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        var note = form.querySelector(".upload-wait") || document.createElement("p");
        note.className = "flash upload-wait";
        note.setAttribute("role", "status");
        note.textContent = msg(list, "wait");
        list.after(note);
        var submitter = event.submitter;
        form.addEventListener("bwportal:uploaded", function again() {
          if (pending) return;
          form.removeEventListener("bwportal:uploaded", again);
          note.remove();
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        });
      }, true);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (e) { if (e.target !== document.body) enhance(e.target); });
})();
