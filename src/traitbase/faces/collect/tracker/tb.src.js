/*! Traitbase tb.js | Apache-2.0 | docs/tracker.md */
/*
 * The readable source of the Traitbase tracker. `python -m traitbase.tools.build_tracker` minifies it into
 * tb.min.js, which GET /tb.js serves. Written in ES5 on purpose: it must run on any page a site owner has,
 * and the pure-Python minifier (calmjs.parse) that builds it without a network speaks ES5.
 *
 * Wire format: docs/tracker.md and the /collect contract. Every handler is wrapped so that a bug here can
 * never break the host page: the tracker loses data rather than throwing into someone else's site.
 */
(function (w, d) {
  "use strict";
  var nav = w.navigator;
  var pre = w.tb;
  if (!d || !nav || (pre && pre.loaded)) return;

  // --- where we come from: HOST and SITE_KEY are read from our own <script src> --------------------------
  var me = d.currentScript || d.querySelector('script[src*="/tb.js"]') || d.querySelector('script[src*="tb.min.js"]');
  if (!me) return;
  var a = d.createElement("a");
  a.href = me.src;
  var HOST = a.protocol + "//" + a.host;
  var SITE = (/[?&]site=([^&#]*)/.exec(a.search) || [])[1] || "";
  SITE = decodeURIComponent(SITE);
  var COLLECT = HOST + "/collect?site=" + encodeURIComponent(SITE);
  var MAX_BATCH = 50; // events per POST; the server's cap (collect_max_events) is 200 by default
  var FLUSH_MS = 5000; // batching window: clicks and views of a few seconds travel together
  var MAX_TRIES = 8; // then the batch is dropped: backoff 1, 2, 4 ... 60 s covers a few minutes of outage
  var TEXT_MAX = 200;
  var OUTBOX_KEY = "tb_out";
  var VID_KEY = "tb_vid";

  function now() {
    return Math.round(Date.now()); // whole milliseconds, as the contract says, even under a patched clock
  }

  function safe(fn) {
    return function () {
      try {
        return fn.apply(this, arguments);
      } catch (e) {
        /* never break the host page */
      }
    };
  }

  function rid() {
    var c = w.crypto, out = "", i, b;
    if (c && c.getRandomValues) {
      b = c.getRandomValues(new Uint8Array(16));
      for (i = 0; i < 16; i++) out += (b[i] < 16 ? "0" : "") + b[i].toString(16);
      return out;
    }
    for (i = 0; i < 4; i++) out += Math.floor(Math.random() * 4294967296).toString(16);
    return out;
  }

  function str(v, max) {
    return String(v == null ? "" : v).slice(0, max || 500);
  }

  function strMap(o) {
    var out = {}, k;
    for (k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] != null) out[str(k, 100)] = str(o[k]);
    return out;
  }

  // --- privacy: Do-Not-Track / Global Privacy Control ---------------------------------------------------
  var optOut = nav.doNotTrack == "1" || w.doNotTrack == "1" || nav.msDoNotTrack == "1" || nav.globalPrivacyControl === true;
  // 0: waiting for the config (only while a DNT/GPC signal is set: the config decides), 1: sending, 2: off.
  var gate = optOut ? 0 : 1;

  // --- first-party visitor id: localStorage, a cookie when storage is blocked, memory as a last resort ---
  var vid = null;
  function store(key, val) {
    try {
      if (val === undefined) return w.localStorage.getItem(key);
      if (val === null) w.localStorage.removeItem(key);
      else w.localStorage.setItem(key, val);
      return val;
    } catch (e) {
      return null;
    }
  }
  function visitor() {
    if (vid) return vid;
    var m = /(?:^|;\s*)tb_vid=([0-9a-f]{8,64})/.exec(d.cookie || "");
    vid = store(VID_KEY) || (m && m[1]) || rid();
    if (store(VID_KEY, vid) === null) {
      try {
        d.cookie = "tb_vid=" + vid + "; max-age=34560000; path=/; SameSite=Lax" + (location.protocol == "https:" ? "; Secure" : "");
      } catch (e) {
        /* cookies blocked: the id lives for this page only */
      }
    }
    return vid;
  }

  // --- device type for the page configuration: the UA first, then the viewport of touch devices ------------
  function device() {
    var ua = nav.userAgent || "", touch = nav.maxTouchPoints || 0, vw = w.innerWidth || 0;
    if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) return "TABLET";
    if (/Macintosh/.test(ua) && touch > 1) return "TABLET"; // iPadOS asks for the desktop site
    if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(ua) || (nav.userAgentData && nav.userAgentData.mobile)) return "MOBILE";
    // A narrow desktop window without touch is still a PC: its visitor sees the PC layout squeezed.
    if (touch > 0 && vw > 0 && vw < 1024) return vw < 600 ? "MOBILE" : "TABLET";
    return "PC";
  }

  // --- sending: batches, retries with backoff (same events, same ids), beacons on page hide -------------
  var queue = [];
  var outbox = []; // batches waiting for a retry: {events, tries, timer}
  var flushTimer = null;

  function body(events) {
    return JSON.stringify({ site: SITE, visitor: visitor(), sent_at: now(), events: events });
  }

  function post(events, done) {
    var data = body(events), x;
    if (w.fetch) {
      // A string body is text/plain: a CORS "simple" request, so no preflight reaches the collector.
      w.fetch(COLLECT, { method: "POST", body: data, keepalive: data.length < 60000, credentials: "omit" }).then(
        function (r) {
          done(r.status);
        },
        function () {
          done(0);
        }
      );
      return;
    }
    x = new XMLHttpRequest();
    x.open("POST", COLLECT, true);
    x.setRequestHeader("Content-Type", "text/plain");
    x.onreadystatechange = function () {
      if (x.readyState == 4) done(x.status);
    };
    x.send(data);
  }

  function attempt(batch) {
    batch.timer = null;
    post(
      batch.events,
      safe(function (status) {
        // Only a network error, 408, 429 and 5xx can go better later; any other answer is final.
        if (status && status != 408 && status != 429 && status < 500) return;
        if (++batch.tries >= MAX_TRIES) return;
        var delay = Math.min(60000, 1000 * Math.pow(2, batch.tries - 1));
        batch.timer = setTimeout(function () {
          var i = outbox.indexOf(batch);
          if (i >= 0) outbox.splice(i, 1);
          attempt(batch);
        }, Math.round(delay * (0.75 + Math.random() * 0.5)));
        outbox.push(batch);
      })
    );
  }

  function beacon(events) {
    var data = body(events);
    if (nav.sendBeacon && data.length < 60000 && nav.sendBeacon(COLLECT, data)) return;
    attempt({ events: events, tries: 0 });
  }

  function flush(hiding) {
    clearTimeout(flushTimer);
    flushTimer = null;
    if (gate != 1) return;
    var i, b;
    if (hiding) {
      // The page may never run another timer: send retries now, and keep them for the next page load too.
      // A batch delivered twice is harmless (the server drops repeated event ids).
      var kept = [];
      for (i = 0; i < outbox.length; i++) {
        b = outbox[i];
        clearTimeout(b.timer);
        kept.push(b.events);
        beacon(b.events);
      }
      outbox = [];
      if (kept.length) store(OUTBOX_KEY, JSON.stringify(kept.slice(-10)));
    }
    while (queue.length) {
      var events = queue.splice(0, MAX_BATCH);
      if (hiding) beacon(events);
      else attempt({ events: events, tries: 0 });
    }
  }

  function resendStored() {
    var kept = store(OUTBOX_KEY), i;
    if (!kept) return;
    store(OUTBOX_KEY, null);
    try {
      kept = JSON.parse(kept);
    } catch (e) {
      return;
    }
    for (i = 0; i < kept.length; i++) if (kept[i] && kept[i].length) attempt({ events: kept[i], tries: 0 });
  }

  function emit(ev, pageBound) {
    if (gate == 2) return;
    ev.id = rid();
    ev.ts = now();
    if (pageBound) {
      ev.page = P.id;
      ev.url = P.url;
    }
    queue.push(ev);
    if (queue.length >= MAX_BATCH) flush(false);
    else if (!flushTimer) flushTimer = setTimeout(safe(flush), FLUSH_MS);
  }

  // --- geometry -----------------------------------------------------------------------------------------
  function root() {
    return d.documentElement || d.body;
  }
  function pageHeight() {
    var r = root(), b = d.body;
    return Math.max(r.scrollHeight, b ? b.scrollHeight : 0, r.clientHeight);
  }
  function pageWidth() {
    var r = root(), b = d.body;
    return Math.max(r.scrollWidth, b ? b.scrollWidth : 0, r.clientWidth, 1);
  }
  function viewH() {
    return w.innerHeight || root().clientHeight;
  }
  function scrollY() {
    return w.pageYOffset || root().scrollTop || 0;
  }

  // A configured selector the browser cannot parse matches nothing; it must not stop the other blocks.
  function one(selector) {
    try {
      return d.querySelector(selector);
    } catch (e) {
      return null;
    }
  }
  function list(x) {
    return x && typeof x == "object" && x.length >= 0 ? x : [];
  }

  // --- the current page view ----------------------------------------------------------------------------
  var P = null; // {id, url, active, activeMs, last, maxScroll, blocks, views, io, goals, leaveSig}
  var config = { blocks: [], elements: [], goals: [] };

  function isActive() {
    return d.visibilityState != "hidden" && (!d.hasFocus || d.hasFocus());
  }

  // Dwell and active time accrue between two evaluations with the state of the first one, so every state
  // change (scroll, focus, visibility, config) evaluates first and changes second.
  function evaluate() {
    if (!P) return;
    var t = now(), dt = Math.max(0, t - P.last), i, b, top, bottom, h, vis, vh = viewH(), sy = scrollY(), el;
    P.last = t;
    if (P.active) P.activeMs += dt;
    P.maxScroll = Math.max(P.maxScroll, Math.round(sy + vh));
    for (i = 0; i < P.blocks.length; i++) {
      b = P.blocks[i];
      if (P.active && b.inView) b.ms += dt;
      if (b.selector) {
        el = one(b.selector);
        if (!el) {
          b.inView = false;
          continue;
        }
        var r = el.getBoundingClientRect();
        top = r.top;
        bottom = r.bottom;
      } else {
        top = b.top - sy;
        bottom = b.bottom - sy;
      }
      h = bottom - top;
      vis = Math.max(0, Math.min(bottom, vh) - Math.max(top, 0));
      // "In view" for dwell: half of the block is on screen, or it fills half of the screen (tall blocks).
      b.inView = h > 0 && (vis >= h / 2 || vis >= vh / 2);
      if (h > 0 && h <= vh + 1) {
        if (top >= -1 && bottom <= vh + 1) b.seen = true;
      } else if (h > 0) {
        // Taller than the screen: fully displayed means the reader has had both its edges on screen.
        if (top >= -1 && top <= vh) b.topSeen = true;
        if (bottom >= 0 && bottom <= vh + 1) b.bottomSeen = true;
        if (b.topSeen && b.bottomSeen) b.seen = true;
      }
    }
  }

  function setActive() {
    if (!P) return;
    evaluate();
    P.active = isActive();
  }

  function viewed(page, n) {
    if (page.views[n] || page !== P) return;
    page.views[n] = 1;
    emit({ kind: "element_view", element: n }, true);
  }

  // The observer sees "half of the element on screen"; an element taller than two screens never is, so the
  // slow sweep also counts one that fills half of the screen (and covers browsers without the observer).
  function sweepViews() {
    var i, el, r, vh = viewH(), vis;
    for (i = 0; P && i < P.watched.length; i++) {
      el = P.watched[i];
      if (P.views[el.__tbName]) continue;
      r = el.getBoundingClientRect();
      vis = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
      if (r.height > 0 && (vis >= r.height / 2 || vis >= vh / 2)) viewed(P, el.__tbName);
    }
  }

  function watchElements() {
    if (!P) return;
    var els = config.elements, i, j, nodes;
    for (i = 0; i < els.length; i++) {
      try {
        nodes = d.querySelectorAll(els[i].selector);
      } catch (e) {
        continue; // an invalid selector in the config must not stop the others
      }
      for (j = 0; j < nodes.length; j++) {
        if (P.watched.indexOf(nodes[j]) < 0) {
          P.watched.push(nodes[j]);
          nodes[j].__tbName = str(els[i].name, 200);
          if (P.io) P.io.observe(nodes[j]);
        }
      }
    }
  }

  function applyConfig(cfg, forPage) {
    if (forPage !== P) return; // the answer for a page the visitor has already left (SPA navigation)
    cfg = cfg || {};
    P.configured = true;
    config = { blocks: list(cfg.blocks), elements: list(cfg.elements), goals: list(cfg.goals) };
    if (gate == 0) {
      gate = cfg.respect_dnt === false ? 1 : 2;
      if (gate == 2) {
        queue = [];
        return;
      }
      resendStored();
      flush(false);
    }
    evaluate();
    P.blocks = [];
    for (var i = 0; i < config.blocks.length; i++) {
      var b = config.blocks[i];
      if (!b || !b.name) continue;
      P.blocks.push({ name: str(b.name, 200), selector: b.selector, top: +b.top || 0, bottom: +b.bottom || 0, ms: 0 });
    }
    if (w.IntersectionObserver && config.elements.length) {
      var page = P;
      P.io = new IntersectionObserver(
        safe(function (entries) {
          for (var k = 0; k < entries.length; k++) {
            if (entries[k].isIntersecting && entries[k].intersectionRatio >= 0.5) viewed(page, entries[k].target.__tbName);
          }
        }),
        { threshold: [0.5] }
      );
    }
    watchElements();
    evaluate();
    goals("url", function (m) {
      return P.url.indexOf(m) >= 0;
    });
  }

  function loadConfig(page) {
    var url = HOST + "/collect/config?site=" + encodeURIComponent(SITE) + "&url=" + encodeURIComponent(page.url) + "&device=" + device();
    var done = safe(function (cfg) {
      applyConfig(cfg, page);
    });
    var fail = safe(function () {
      // No config: track the basics; under DNT/GPC nothing is sent when the site's wish is unknown.
      applyConfig({ respect_dnt: true }, page);
    });
    if (w.fetch) {
      w.fetch(url, { credentials: "omit" })
        .then(function (r) {
          if (!r.ok) throw 0;
          return r.json();
        })
        .then(done, fail);
      return;
    }
    var x = new XMLHttpRequest();
    x.open("GET", url, true);
    x.onreadystatechange = function () {
      if (x.readyState != 4) return;
      try {
        if (x.status != 200) throw 0;
        done(JSON.parse(x.responseText));
      } catch (e) {
        fail();
      }
    };
    x.send();
  }

  // Goals of one type whose match the test accepts become conversions, once per page view each.
  function goals(type, test) {
    for (var i = 0; i < config.goals.length; i++) {
      var g = config.goals[i];
      if (g && g.type == type && g.match != null && !P.goals[g.name] && test(String(g.match))) {
        P.goals[g.name] = 1;
        emit({ kind: "conversion", goal: str(g.name, 200) }, true);
      }
    }
  }

  function newPage(referrer) {
    var vh = viewH();
    P = {
      id: rid(),
      url: location.href,
      active: isActive(),
      activeMs: 0,
      last: now(),
      maxScroll: Math.round(scrollY() + vh),
      blocks: [],
      views: {},
      watched: [],
      io: null,
      goals: {},
      leaveSig: ""
    };
    config = { blocks: [], elements: [], goals: [] };
    var s = w.screen || {};
    emit(
      {
        kind: "pageview",
        referrer: str(referrer, 2000),
        title: str(d.title, 500),
        screen: (s.width || 0) + "x" + (s.height || 0),
        viewport: [w.innerWidth || 0, vh],
        language: nav.language || "",
        page_height: pageHeight()
      },
      true
    );
    loadConfig(P);
  }

  // A snapshot of the page so far. Hiding fires both visibilitychange and pagehide: an unchanged snapshot
  // is not sent again, and a later, larger one (the visitor came back) is, with its own event id.
  function leave() {
    if (!P) return;
    evaluate();
    var blocks = [], i, b;
    for (i = 0; i < P.blocks.length; i++) {
      b = P.blocks[i];
      blocks.push({ name: b.name, seconds: Math.round(b.ms / 100) / 10, seen: !!b.seen });
    }
    var ev = { kind: "pageleave", active_ms: Math.round(P.activeMs), max_scroll: Math.min(P.maxScroll, pageHeight()), page_height: pageHeight(), blocks: blocks };
    var sig = JSON.stringify(ev);
    if (sig == P.leaveSig) return;
    P.leaveSig = sig;
    emit(ev, true);
  }

  // --- clicks -------------------------------------------------------------------------------------------
  function cssPath(el) {
    var parts = [], n = el, depth = 0, tag, p, s, same, idx;
    while (n && n.nodeType == 1 && depth++ < 12) {
      tag = n.nodeName.toLowerCase();
      if (n.id && /^[A-Za-z][\w-]*$/.test(n.id)) {
        parts.unshift(tag + "#" + n.id);
        break;
      }
      if (tag == "body" || tag == "html") {
        parts.unshift(tag);
        break;
      }
      p = n.parentNode;
      same = 0;
      idx = 1;
      for (s = p && p.firstElementChild; s; s = s.nextElementSibling) {
        if (s.nodeName == n.nodeName) {
          same++;
          if (s === n) idx = same;
        }
      }
      parts.unshift(same > 1 ? tag + ":nth-of-type(" + idx + ")" : tag);
      n = p;
    }
    return parts.join(" > ").slice(0, 500);
  }

  // Text a person reads on the element; never the value a visitor typed into a field.
  function textOf(el) {
    var tag = el.nodeName, t;
    if (tag == "INPUT") t = /^(button|submit|reset)$/i.test(el.type) ? el.value : el.getAttribute("aria-label") || el.placeholder;
    else if (tag == "TEXTAREA" || tag == "SELECT") t = el.getAttribute("aria-label");
    else t = el.innerText || el.textContent || el.getAttribute("aria-label") || el.getAttribute("alt") || el.title;
    return String(t || "").replace(/\s+/g, " ").replace(/^ | $/g, "").slice(0, TEXT_MAX);
  }

  // The configured element nearest to the click target (walking up), config order breaking ties.
  function configured(el) {
    var els = config.elements, i;
    for (; el && el.nodeType == 1; el = el.parentElement) {
      for (i = 0; i < els.length; i++) {
        try {
          if (el.matches(els[i].selector)) return { el: el, name: els[i].name };
        } catch (e) {
          /* invalid selector */
        }
      }
    }
    return null;
  }

  function onClick(e) {
    if (!P) return;
    var t = e.target;
    if (t && t.nodeType != 1) t = t.parentElement;
    if (!t || !t.closest) return;
    var hit = configured(t);
    var el = (hit && hit.el) || t.closest("a,button,[role=button],input,label,summary,select,textarea") || t;
    var x = e.pageX != null ? e.pageX : e.clientX + (w.pageXOffset || 0);
    var y = e.pageY != null ? e.pageY : e.clientY + scrollY();
    var ev = { kind: "click", x: Math.round(Math.min(1, Math.max(0, x / pageWidth())) * 10000) / 10000, y: Math.max(0, Math.round(y)), selector: cssPath(el), text: textOf(el) };
    if (hit) ev.element = str(hit.name, 200);
    emit(ev, true);
    if (hit)
      goals("click", function (m) {
        return m == hit.name;
      });
  }

  // --- SPA navigation -----------------------------------------------------------------------------------
  function bare(u) {
    return u.split("#")[0];
  }
  function navigated() {
    if (!P || bare(location.href) == bare(P.url)) return;
    var from = P.url;
    leave();
    if (P.io) P.io.disconnect();
    newPage(from);
  }

  // --- the public API -----------------------------------------------------------------------------------
  var EXP_ACTIONS = { view: 1, click: 1, close: 1, form_submit: 1, goal: 1 };
  var api = {
    loaded: true,
    track: function (name, props) {
      var p = {}, k, v;
      props = props || {};
      for (k in props) {
        if (!Object.prototype.hasOwnProperty.call(props, k)) continue;
        v = props[k];
        if (typeof v == "string") p[str(k, 100)] = str(v);
        else if ((typeof v == "number" && isFinite(v)) || typeof v == "boolean") p[str(k, 100)] = v;
      }
      name = str(name, 200);
      emit({ kind: "custom", name: name, properties: p }, true);
      goals("event", function (m) {
        return m == name;
      });
    },
    identify: function (userId, attrs) {
      if (userId == null || userId === "") return;
      emit({ kind: "identify", user_id: str(userId, 200), attributes: strMap(attrs || {}) }, false);
    },
    setDimension: function (name, value) {
      emit({ kind: "dimension", name: str(name, 200), value: str(value) }, false);
    },
    conversion: function (goal) {
      emit({ kind: "conversion", goal: str(goal, 200) }, true);
    },
    // goal: extra is the goal id and props its properties (a sum / average goal's value, e.g. {price: 30}).
    experience: function (expId, versionId, action, extra, props) {
      if (!EXP_ACTIONS[action]) return;
      var ev = { kind: "experience", experience: str(expId, 200), version: str(versionId, 200), action: action };
      if (action == "form_submit") ev.fields = strMap(extra || {});
      if (action == "goal") {
        ev.goal = str(extra, 200);
        if (props) ev.fields = strMap(props);
      }
      emit(ev, true);
    },
    visitor: function () {
      return gate == 2 ? null : visitor();
    },
    // For the console and for tests: which page view is open and whether its configuration has arrived.
    state: function () {
      return { page: P && P.id, device: device(), configured: !!(P && P.configured), sending: gate == 1, queued: queue.length, retrying: outbox.length };
    },
    flush: function () {
      flush(false);
    }
  };
  var k;
  for (k in api) if (typeof api[k] == "function") api[k] = safe(api[k]);
  // Calls queued before we loaded: `window.tb = window.tb || {q: []}; tb.q.push(["track", "x", {...}])`.
  function call(c) {
    if (c && api[c[0]] && c[0] != "loaded") api[c[0]].apply(api, [].slice.call(c, 1));
  }
  api.q = { push: safe(call) };

  // --- start ----------------------------------------------------------------------------------------------
  var early = (pre && pre.q) || [];
  w.tb = api;
  newPage(d.referrer);
  for (k = 0; k < early.length; k++) call(early[k]);
  if (gate == 1) resendStored();

  function on(target, type, fn, opts) {
    target.addEventListener(type, safe(fn), opts || false);
  }
  on(w, "focus", setActive);
  on(w, "blur", setActive);
  on(w, "scroll", evaluate, { passive: true });
  on(w, "resize", evaluate, { passive: true });
  on(d, "click", onClick, true);
  on(d, "visibilitychange", function () {
    setActive();
    if (d.visibilityState == "hidden") {
      leave();
      flush(true);
    }
  });
  on(w, "pagehide", function () {
    setActive();
    leave();
    flush(true);
  });
  on(w, "pageshow", function (e) {
    // Back from the back/forward cache: the earlier page view was closed on pagehide, so this is a new one.
    if (!e.persisted) return;
    if (P.io) P.io.disconnect();
    newPage(d.referrer);
  });
  on(w, "popstate", navigated);
  var hist = w.history;
  if (hist && hist.pushState) {
    var push = hist.pushState;
    hist.pushState = function () {
      var r = push.apply(this, arguments);
      safe(navigated)();
      return r;
    };
  }
  // Elements that appear later (lazy sections, client rendering) are picked up by a slow sweep.
  setInterval(
    safe(function () {
      if (P && P.active) {
        evaluate();
        watchElements();
        sweepViews();
      }
    }),
    1000
  );
})(window, document);
