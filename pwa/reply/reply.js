// The booking reply page (issue 12, seed 002 "Respons fra kunde"), served at /s without login.
// Plain ES5 and XMLHttpRequest: it must run on an old phone, and it loads nothing else.
//
// - The code comes from the address's fragment (/s#K7QHM3XPR, the letter's QR code), which
//   the browser never sends to the server, or is typed from the letter.
// - "OK – tiden passar" sends "OK", "Jag vill bli kontaktad" sends "KONTAKT" (the seed's two
//   words), "Skicka svaret" sends what was written.
// - POST /api/public/booking-replies {code, answer} answers 202 whether or not the code
//   exists, and the receipt here says the same in both cases: the page never tells anyone
//   whether a code is real.
// - Swedish by default; Norwegian (bokmål) and English from ?lang= or the phone's language,
//   and the buttons at the top.
(function () {
  'use strict';

  var ENDPOINT = '/api/public/booking-replies';
  // The server's limits (the contract): longer is refused there, so it is stopped here first.
  var CODE_MAX = 40;
  var ANSWER_MAX = 1000;
  // A stairwell with one bar: after this long the page says it could not send.
  var TIMEOUT_MS = 20000;
  var LANGS = ['sv', 'nb', 'en'];

  var TEXT = {
    sv: {
      page_title: 'Svara på bokningen',
      lang_group: 'Språk',
      title: 'Svara på bokningen',
      lead: 'Du har fått ett brev om ett besök av en låsmontör. Svara här om tiden passar.',
      code_label: 'Bokningskod',
      code_hint: 'Koden står i brevet, till exempel K7Q‑HM3‑XPR.',
      answer_legend: 'Ditt svar',
      ok: 'OK – tiden passar',
      contact: 'Jag vill bli kontaktad',
      answer_label: 'Eller skriv ett eget svar',
      send: 'Skicka svaret',
      sending: 'Skickar …',
      receipt_title: 'Tack! Vi har tagit emot ditt svar.',
      receipt_answer: 'Ditt svar:',
      receipt_text: 'Om något inte stämmer hör vi av oss. Har du frågor, ring telefonnumret i brevet.',
      again: 'Skicka ett annat svar',
      answer_ok: 'OK – tiden passar',
      answer_contact: 'Jag vill bli kontaktad',
      need_code: 'Skriv bokningskoden från brevet.',
      code_too_long: 'Koden är för lång. Skriv koden som den står i brevet.',
      need_answer: 'Skriv ditt svar, eller välj en av knapparna ovanför.',
      answer_too_long: 'Svaret är för långt: högst 1000 tecken.',
      too_many: 'Du har skickat flera svar på kort tid. Försök igen om {minutes} minuter, eller ring telefonnumret i brevet.',
      too_many_soon: 'Du har skickat flera svar på kort tid. Försök igen om en stund, eller ring telefonnumret i brevet.',
      refused: 'Svaret kunde inte tas emot. Kontrollera koden och svaret och försök igen, eller ring telefonnumret i brevet.',
      server: 'Något gick fel hos oss. Försök igen om en stund, eller ring telefonnumret i brevet.',
      offline: 'Svaret kunde inte skickas. Kontrollera att telefonen är uppkopplad och försök igen.'
    },
    nb: {
      page_title: 'Svar på bookingen',
      lang_group: 'Språk',
      title: 'Svar på bookingen',
      lead: 'Du har fått et brev om et besøk av en montør. Svar her om tidspunktet passer.',
      code_label: 'Bookingkode',
      code_hint: 'Koden står i brevet, for eksempel K7Q‑HM3‑XPR.',
      answer_legend: 'Ditt svar',
      ok: 'OK – tidspunktet passer',
      contact: 'Jeg vil bli kontaktet',
      answer_label: 'Eller skriv et eget svar',
      send: 'Send svaret',
      sending: 'Sender …',
      receipt_title: 'Takk! Vi har mottatt svaret ditt.',
      receipt_answer: 'Svaret ditt:',
      receipt_text: 'Hvis noe ikke stemmer, tar vi kontakt. Har du spørsmål, ring telefonnummeret i brevet.',
      again: 'Send et annet svar',
      answer_ok: 'OK – tidspunktet passer',
      answer_contact: 'Jeg vil bli kontaktet',
      need_code: 'Skriv bookingkoden fra brevet.',
      code_too_long: 'Koden er for lang. Skriv koden slik den står i brevet.',
      need_answer: 'Skriv svaret ditt, eller velg en av knappene ovenfor.',
      answer_too_long: 'Svaret er for langt: høyst 1000 tegn.',
      too_many: 'Du har sendt flere svar på kort tid. Prøv igjen om {minutes} minutter, eller ring telefonnummeret i brevet.',
      too_many_soon: 'Du har sendt flere svar på kort tid. Prøv igjen om litt, eller ring telefonnummeret i brevet.',
      refused: 'Svaret kunne ikke tas imot. Kontroller koden og svaret og prøv igjen, eller ring telefonnummeret i brevet.',
      server: 'Noe gikk galt hos oss. Prøv igjen om litt, eller ring telefonnummeret i brevet.',
      offline: 'Svaret kunne ikke sendes. Kontroller at telefonen er på nett, og prøv igjen.'
    },
    en: {
      page_title: 'Answer the booking',
      lang_group: 'Language',
      title: 'Answer the booking',
      lead: 'You have had a letter about a visit by a lock fitter. Answer here whether the time suits you.',
      code_label: 'Booking code',
      code_hint: 'The code is in the letter, for example K7Q‑HM3‑XPR.',
      answer_legend: 'Your answer',
      ok: 'OK – the time suits me',
      contact: 'I want to be contacted',
      answer_label: 'Or write your own answer',
      send: 'Send the answer',
      sending: 'Sending …',
      receipt_title: 'Thank you! We have received your answer.',
      receipt_answer: 'Your answer:',
      receipt_text: 'If anything does not match, we will contact you. If you have questions, call the phone number in the letter.',
      again: 'Send another answer',
      answer_ok: 'OK – the time suits me',
      answer_contact: 'I want to be contacted',
      need_code: 'Type the booking code from the letter.',
      code_too_long: 'The code is too long. Type the code as it is in the letter.',
      need_answer: 'Write your answer, or choose one of the buttons above.',
      answer_too_long: 'The answer is too long: at most 1000 characters.',
      too_many: 'You have sent several answers in a short time. Try again in {minutes} minutes, or call the phone number in the letter.',
      too_many_soon: 'You have sent several answers in a short time. Try again in a while, or call the phone number in the letter.',
      refused: 'The answer could not be accepted. Check the code and the answer and try again, or call the phone number in the letter.',
      server: 'Something went wrong on our side. Try again in a while, or call the phone number in the letter.',
      offline: 'The answer could not be sent. Check that the phone is online and try again.'
    }
  };

  var lang = 'sv';
  var sending = false;
  // The last error shown, so that a language switch says it again in the new language.
  var shown = { code: null, answer: null, form: null };
  var lastAnswer = null;

  function $(id) { return document.getElementById(id); }

  function t(key, params) {
    var s = (TEXT[lang] && TEXT[lang][key]) || TEXT.sv[key] || key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) { return params[k] !== undefined ? String(params[k]) : m; });
    }
    return s;
  }

  // ?lang=nb|en|sv first (the letter's language may be in its link), then the phone's.
  function initialLang() {
    var asked = /[?&]lang=([a-zA-Z-]+)/.exec(location.search);
    var wanted = [];
    if (asked) wanted.push(asked[1]);
    var phone = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < phone.length; i++) wanted.push(phone[i]);
    for (var j = 0; j < wanted.length; j++) {
      var code = String(wanted[j] || '').toLowerCase().split('-')[0];
      if (code === 'no' || code === 'nn') code = 'nb';
      if (LANGS.indexOf(code) >= 0) return code;
    }
    return 'sv';
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('page_title');
    var items = document.querySelectorAll('[data-t]');
    for (var i = 0; i < items.length; i++) items[i].textContent = t(items[i].getAttribute('data-t'));
    var labelled = document.querySelectorAll('[data-t-label]');
    for (var k = 0; k < labelled.length; k++) labelled[k].setAttribute('aria-label', t(labelled[k].getAttribute('data-t-label')));
    var buttons = document.querySelectorAll('[data-lang]');
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute('aria-pressed', buttons[j].getAttribute('data-lang') === lang ? 'true' : 'false');
    }
    if (shown.code) fieldError('code', shown.code);
    if (shown.answer) fieldError('answer', shown.answer);
    if (shown.form) formError(shown.form.key, shown.form.params);
    if (lastAnswer !== null) $('receipt-answer').textContent = answerLabel(lastAnswer);
    if (sending) $('sending').textContent = t('sending');
  }

  function setLang(code) {
    if (LANGS.indexOf(code) < 0) return;
    lang = code;
    // The choice stays in the address (for a reload), with the code's fragment kept.
    if (window.history && history.replaceState) {
      var search = location.search.replace(/([?&])lang=[^&]*&?/, '$1').replace(/[?&]$/, '');
      search += (search ? '&' : '?') + 'lang=' + code;
      history.replaceState(null, '', location.pathname + search + location.hash);
    }
    applyLang();
  }

  // The code from the fragment: letters and digits, upper case; nine of them are shown in
  // the letter's groups of three (K7Q-HM3-XPR), anything else as it came.
  function codeFromHash() {
    var raw = location.hash.replace(/^#/, '');
    try { raw = decodeURIComponent(raw); } catch (e) { /* keep it as it is */ }
    raw = raw.replace(/[^0-9A-Za-z-]/g, '').toUpperCase().slice(0, CODE_MAX);
    var bare = raw.replace(/-/g, '');
    if (/^[0-9A-Z]{9}$/.test(bare)) return bare.slice(0, 3) + '-' + bare.slice(3, 6) + '-' + bare.slice(6);
    return raw;
  }

  function fieldError(name, key) {
    var el = $(name + '-error');
    var input = $(name);
    shown[name] = key;
    if (key) {
      el.textContent = t(key);
      el.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else {
      el.textContent = '';
      el.hidden = true;
      input.removeAttribute('aria-invalid');
    }
  }

  // Said above the answer buttons, and scrolled to where the resident is looking.
  function formError(key, params) {
    var el = $('form-error');
    shown.form = key ? { key: key, params: params } : null;
    el.textContent = key ? t(key, params) : '';
    el.hidden = !key;
    if (key && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  }

  function answerLabel(answer) {
    if (answer === 'OK') return t('answer_ok');
    if (answer === 'KONTAKT') return t('answer_contact');
    return answer;
  }

  function setBusy(busy) {
    sending = busy;
    var buttons = document.querySelectorAll('[data-answer]');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
    $('sending').textContent = busy ? t('sending') : '';
  }

  function showReceipt(answer) {
    lastAnswer = answer;
    $('receipt-answer').textContent = answerLabel(answer);
    $('reply-form').hidden = true;
    $('receipt').hidden = false;
    $('receipt').focus();
  }

  // Retry-After in seconds (or an HTTP date): whole minutes, at least one.
  function minutesFrom(header) {
    if (!header) return null;
    var seconds = /^\d+$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
    if (!(seconds > 0)) return null;
    return Math.max(1, Math.ceil(seconds / 60));
  }

  function send(answer) {
    if (sending) return;
    formError(null);
    var code = $('code').value.replace(/^\s+|\s+$/g, '');
    var own = answer === '';
    var text = own ? $('answer').value.replace(/^\s+|\s+$/g, '') : answer;
    var codeProblem = !code ? 'need_code' : code.length > CODE_MAX ? 'code_too_long' : null;
    var answerProblem = own && !text ? 'need_answer' : text.length > ANSWER_MAX ? 'answer_too_long' : null;
    fieldError('code', codeProblem);
    fieldError('answer', own ? answerProblem : null);
    if (codeProblem) { $('code').focus(); return; }
    if (own && answerProblem) { $('answer').focus(); return; }

    setBusy(true);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', ENDPOINT, true);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.timeout = TIMEOUT_MS;
    xhr.onload = function () {
      setBusy(false);
      if (xhr.status >= 200 && xhr.status < 300) {
        showReceipt(text);
      } else if (xhr.status === 429) {
        var minutes = minutesFrom(xhr.getResponseHeader('Retry-After'));
        formError(minutes ? 'too_many' : 'too_many_soon', { minutes: minutes });
      } else if (xhr.status >= 400 && xhr.status < 500) {
        formError('refused');
      } else {
        formError('server');
      }
    };
    xhr.onerror = xhr.ontimeout = function () {
      setBusy(false);
      formError('offline');
    };
    xhr.send(JSON.stringify({ code: code, answer: text }));
  }

  function again() {
    lastAnswer = null;
    $('answer').value = '';
    $('receipt').hidden = true;
    $('reply-form').hidden = false;
    $('code').focus();
  }

  function start() {
    lang = initialLang();
    applyLang();
    var code = codeFromHash();
    if (code) $('code').value = code;

    document.addEventListener('click', function (event) {
      var target = event.target;
      while (target && target !== document && !(target.getAttribute && (target.hasAttribute('data-answer') || target.hasAttribute('data-lang') || target.id === 'again'))) {
        target = target.parentNode;
      }
      if (!target || target === document) return;
      if (target.hasAttribute('data-lang')) setLang(target.getAttribute('data-lang'));
      else if (target.id === 'again') again();
      else send(target.getAttribute('data-answer'));
    });
    // Enter in the code field sends nothing (it would answer for the resident): it only goes
    // on to the answers.
    $('reply-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var first = document.querySelector('[data-answer="OK"]');
      if (first) first.focus();
    });
    $('code').addEventListener('input', function () { if (shown.code) fieldError('code', null); });
    $('answer').addEventListener('input', function () { if (shown.answer) fieldError('answer', null); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
