// The fault report without login (issue 13, seeds 003 and 004), served at /f.
// Plain ES5 and XMLHttpRequest: it must run on an old phone, and it loads nothing else.
//
// - A QR label opens /f#t=<token>: the token goes with the report, so the planner knows which
//   lock it is; the page itself never learns (nor shows) anything about the lock.
// - The page fetches a form token when it opens (GET /api/public/fault-reports/form); the
//   server accepts a report with it only after `wait_seconds` (the anti-automation check,
//   server/intake/tokens.py). A person never notices: if they are quicker, the page waits.
// - The report goes as JSON (POST /api/public/fault-reports), a photo drawn again at most
//   1600 px as a JPEG, as base64: a few hundred kB instead of a camera's megabytes, without
//   the camera's metadata (the server re-encodes it once more and keeps only that).
// - The receipt is the case number and a follow link, /f#follow=<secret>. Opened, the page
//   shows the case's status and the planner's answer (GET .../follow, the secret in the
//   X-Follow-Secret header, never in an address).
// - Swedish by default; Norwegian (bokmål) and English from ?lang= or the phone's language,
//   and the buttons at the top.
(function () {
  'use strict';

  var FORM = '/api/public/fault-reports/form';
  var REPORTS = '/api/public/fault-reports';
  var FOLLOW = '/api/public/fault-reports/follow';
  var FOLLOW_HEADER = 'X-Follow-Secret';
  // The server's limits (the contract): longer is refused there, so it is stopped here first.
  var TEXT_MAX = 4000;
  var PHOTO_MAX_BYTES = 4 * 1024 * 1024;
  var MAX_SIDE_PX = 1600; // the server's own (server/orders/photos.py)
  var JPEG_QUALITY = 0.82;
  var MIN_PHONE_DIGITS = 6;
  var MAX_PHONE_DIGITS = 15;
  // A photo over a slow line in a stairwell: after this long the page says it could not send.
  var TIMEOUT_MS = 60000;
  var LANGS = ['sv', 'nb', 'en'];

  var TEXT = {
    sv: {
      page_title: 'Felanmälan – lås',
      lang_group: 'Språk',
      title: 'Felanmälan av lås',
      lead: 'Berätta vad som har hänt med låset. Du behöver inte logga in. Vi hör av oss till dig.',
      urgent: 'Är någon i fara? Ring 112.',
      from_label: 'Koden från etiketten skickas med, så vi vet vilket lås det gäller.',
      text_label: 'Vad har hänt?',
      text_hint: 'Till exempel: låset piper, dörren går inte att låsa, låset sitter löst. Skriv också var låset sitter om du vet.',
      photo_label: 'Foto (om du vill)',
      photo_hint: 'Ett foto av låset eller dörren hjälper oss. Platsen där fotot togs skickas inte med.',
      photo_alt: 'Fotot du har valt',
      photo_remove: 'Ta bort fotot',
      contact_legend: 'Hur når vi dig?',
      contact_hint: 'Ange ditt namn och ett telefonnummer eller en e-postadress.',
      name_label: 'Namn',
      relation_label: 'Jag är',
      relation_none: 'Välj (om du vill)',
      relation_resident: 'Boende (låset sitter hos mig)',
      relation_relative: 'Anhörig',
      relation_caretaker: 'Fastighetsskötare',
      relation_staff: 'Personal i hemtjänsten',
      relation_other: 'Annan',
      phone_label: 'Telefon',
      email_label: 'E-post',
      send: 'Skicka felanmälan',
      sending: 'Skickar …',
      preparing_photo: 'Förbereder fotot …',
      receipt_title: 'Tack! Vi har tagit emot din felanmälan.',
      receipt_number: 'Ärendenummer:',
      receipt_text: 'Uppge numret om du ringer oss. En planerare läser felanmälan och hör av sig till dig.',
      receipt_link: 'Med den här länken kan du följa ärendet. Spara den; den är bara din.',
      copy: 'Kopiera länken',
      copied: 'Länken är kopierad.',
      copy_failed: 'Länken kunde inte kopieras. Markera den och kopiera den själv.',
      new_report: 'Gör en ny felanmälan',
      follow_title: 'Din felanmälan',
      loading: 'Hämtar …',
      answer_title: 'Svar från oss',
      refresh: 'Visa igen',
      status_new: 'Mottagen. En planerare har inte hunnit titta på den än.',
      status_triaged: 'Vi har tagit hand om den och beställt en åtgärd.',
      status_closed: 'Avslutad.',
      follow_unknown: 'Ingen felanmälan hittades med den här länken. Kontrollera att hela länken kom med.',
      need_text: 'Skriv vad som har hänt.',
      text_too_long: 'Texten är för lång: högst 4000 tecken.',
      need_name: 'Skriv ditt namn, så att vi vet vem vi ska fråga efter.',
      need_contact: 'Ange ett telefonnummer eller en e-postadress, så att vi kan nå dig.',
      bad_phone: 'Telefonnumret går inte att ringa. Skriv det med siffror, till exempel 070-123 45 67.',
      bad_email: 'E-postadressen är inte fullständig. Skriv den som namn@exempel.se.',
      photo_unreadable: 'Filen är inte ett foto som går att läsa. Välj ett annat foto.',
      photo_too_large: 'Fotot är för stort. Välj ett mindre foto, eller skicka utan foto.',
      label_invalid: 'Koden från etiketten gäller inte längre. Skriv var låset sitter (adress, port, lägenhet) och skicka igen.',
      too_many: 'Många felanmälningar har kommit härifrån på kort tid. Försök igen om {minutes} minuter, eller ring oss.',
      too_many_soon: 'Många felanmälningar har kommit härifrån på kort tid. Försök igen om en stund, eller ring oss.',
      refused: 'Felanmälan kunde inte tas emot. Kontrollera det du skrev och försök igen, eller ring oss.',
      server: 'Något gick fel hos oss. Försök igen om en stund, eller ring oss.',
      offline: 'Felanmälan kunde inte skickas. Kontrollera att telefonen är uppkopplad och försök igen. Det du skrev finns kvar.'
    },
    nb: {
      page_title: 'Feilmelding – lås',
      lang_group: 'Språk',
      title: 'Meld feil på lås',
      lead: 'Fortell hva som har skjedd med låsen. Du trenger ikke å logge inn. Vi tar kontakt med deg.',
      urgent: 'Er noen i fare? Ring 112.',
      from_label: 'Koden fra etiketten sendes med, så vi vet hvilken lås det gjelder.',
      text_label: 'Hva har skjedd?',
      text_hint: 'For eksempel: låsen piper, døren kan ikke låses, låsen sitter løst. Skriv også hvor låsen sitter hvis du vet det.',
      photo_label: 'Bilde (hvis du vil)',
      photo_hint: 'Et bilde av låsen eller døren hjelper oss. Stedet der bildet ble tatt, sendes ikke med.',
      photo_alt: 'Bildet du har valgt',
      photo_remove: 'Fjern bildet',
      contact_legend: 'Hvordan når vi deg?',
      contact_hint: 'Oppgi navnet ditt og et telefonnummer eller en e-postadresse.',
      name_label: 'Navn',
      relation_label: 'Jeg er',
      relation_none: 'Velg (hvis du vil)',
      relation_resident: 'Beboer (låsen sitter hos meg)',
      relation_relative: 'Pårørende',
      relation_caretaker: 'Vaktmester',
      relation_staff: 'Ansatt i hjemmetjenesten',
      relation_other: 'Annen',
      phone_label: 'Telefon',
      email_label: 'E-post',
      send: 'Send feilmeldingen',
      sending: 'Sender …',
      preparing_photo: 'Gjør klar bildet …',
      receipt_title: 'Takk! Vi har mottatt feilmeldingen din.',
      receipt_number: 'Saksnummer:',
      receipt_text: 'Oppgi nummeret hvis du ringer oss. En planlegger leser feilmeldingen og tar kontakt med deg.',
      receipt_link: 'Med denne lenken kan du følge saken. Ta vare på den; den er bare din.',
      copy: 'Kopier lenken',
      copied: 'Lenken er kopiert.',
      copy_failed: 'Lenken kunne ikke kopieres. Merk den og kopier den selv.',
      new_report: 'Meld en ny feil',
      follow_title: 'Feilmeldingen din',
      loading: 'Henter …',
      answer_title: 'Svar fra oss',
      refresh: 'Vis igjen',
      status_new: 'Mottatt. En planlegger har ikke sett på den ennå.',
      status_triaged: 'Vi har tatt hånd om den og bestilt et tiltak.',
      status_closed: 'Avsluttet.',
      follow_unknown: 'Ingen feilmelding ble funnet med denne lenken. Kontroller at hele lenken kom med.',
      need_text: 'Skriv hva som har skjedd.',
      text_too_long: 'Teksten er for lang: høyst 4000 tegn.',
      need_name: 'Skriv navnet ditt, så vi vet hvem vi skal spørre etter.',
      need_contact: 'Oppgi et telefonnummer eller en e-postadresse, så vi kan nå deg.',
      bad_phone: 'Telefonnummeret kan ikke ringes. Skriv det med sifre, for eksempel 912 34 567.',
      bad_email: 'E-postadressen er ikke fullstendig. Skriv den som navn@eksempel.no.',
      photo_unreadable: 'Filen er ikke et bilde som kan leses. Velg et annet bilde.',
      photo_too_large: 'Bildet er for stort. Velg et mindre bilde, eller send uten bilde.',
      label_invalid: 'Koden fra etiketten gjelder ikke lenger. Skriv hvor låsen sitter (adresse, oppgang, leilighet) og send igjen.',
      too_many: 'Mange feilmeldinger har kommet herfra på kort tid. Prøv igjen om {minutes} minutter, eller ring oss.',
      too_many_soon: 'Mange feilmeldinger har kommet herfra på kort tid. Prøv igjen om litt, eller ring oss.',
      refused: 'Feilmeldingen kunne ikke tas imot. Kontroller det du skrev og prøv igjen, eller ring oss.',
      server: 'Noe gikk galt hos oss. Prøv igjen om litt, eller ring oss.',
      offline: 'Feilmeldingen kunne ikke sendes. Kontroller at telefonen er på nett, og prøv igjen. Det du skrev, er tatt vare på.'
    },
    en: {
      page_title: 'Report a lock fault',
      lang_group: 'Language',
      title: 'Report a lock fault',
      lead: 'Tell us what has happened to the lock. You do not need to log in. We will get back to you.',
      urgent: 'Is someone in danger? Call 112.',
      from_label: 'The code from the label is sent along, so we know which lock it is.',
      text_label: 'What has happened?',
      text_hint: 'For example: the lock beeps, the door cannot be locked, the lock is loose. Also write where the lock is if you know.',
      photo_label: 'Photo (if you like)',
      photo_hint: 'A photo of the lock or the door helps us. Where the photo was taken is not sent.',
      photo_alt: 'The photo you chose',
      photo_remove: 'Remove the photo',
      contact_legend: 'How do we reach you?',
      contact_hint: 'Give your name and a phone number or an e-mail address.',
      name_label: 'Name',
      relation_label: 'I am',
      relation_none: 'Choose (if you like)',
      relation_resident: 'The resident (the lock is at my home)',
      relation_relative: 'A relative',
      relation_caretaker: 'The caretaker',
      relation_staff: 'Home-care staff',
      relation_other: 'Someone else',
      phone_label: 'Phone',
      email_label: 'E-mail',
      send: 'Send the report',
      sending: 'Sending …',
      preparing_photo: 'Preparing the photo …',
      receipt_title: 'Thank you! We have received your report.',
      receipt_number: 'Case number:',
      receipt_text: 'Give the number if you call us. A planner reads the report and gets back to you.',
      receipt_link: 'With this link you can follow the case. Keep it; it is yours alone.',
      copy: 'Copy the link',
      copied: 'The link is copied.',
      copy_failed: 'The link could not be copied. Select it and copy it yourself.',
      new_report: 'Report another fault',
      follow_title: 'Your report',
      loading: 'Loading …',
      answer_title: 'Our answer',
      refresh: 'Show again',
      status_new: 'Received. A planner has not looked at it yet.',
      status_triaged: 'We have taken care of it and ordered the work.',
      status_closed: 'Closed.',
      follow_unknown: 'No report was found with this link. Check that the whole link was copied.',
      need_text: 'Write what has happened.',
      text_too_long: 'The text is too long: at most 4000 characters.',
      need_name: 'Write your name, so that we know whom to ask for.',
      need_contact: 'Give a phone number or an e-mail address, so that we can reach you.',
      bad_phone: 'The phone number is not one we can call. Write it with digits, e.g. 070-123 45 67.',
      bad_email: 'The e-mail address is not complete. Write it as name@example.com.',
      photo_unreadable: 'The file is not a photo that can be read. Choose another photo.',
      photo_too_large: 'The photo is too large. Choose a smaller one, or send without a photo.',
      label_invalid: 'The code from the label is no longer valid. Write where the lock is (address, entrance, flat) and send again.',
      too_many: 'Many reports have come from here in a short time. Try again in {minutes} minutes, or call us.',
      too_many_soon: 'Many reports have come from here in a short time. Try again in a while, or call us.',
      refused: 'The report could not be accepted. Check what you wrote and try again, or call us.',
      server: 'Something went wrong on our side. Try again in a while, or call us.',
      offline: 'The report could not be sent. Check that the phone is online and try again. What you wrote is kept.'
    }
  };

  // The server's refusal of a field, by the field it names.
  var FIELD_ERRORS = { text: 'need_text', name: 'need_name', phone: 'bad_phone', email: 'bad_email', photo: 'photo_unreadable' };
  var FIELDS = ['text', 'photo', 'name', 'phone', 'email'];

  var lang = 'sv';
  var qrToken = null;
  var form = { token: null, at: 0, wait: 0 };
  var photo = null; // {base64, dataUrl}
  var photoBusy = false;
  var sending = false;
  var followSecret = null;
  var followed = null;
  // The last errors shown, so that a language switch says them again in the new language.
  var shown = { fields: {}, form: null, follow: null };

  function $(id) { return document.getElementById(id); }

  function t(key, params) {
    var s = (TEXT[lang] && TEXT[lang][key]) || TEXT.sv[key] || key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) { return params[k] !== undefined ? String(params[k]) : m; });
    }
    return s;
  }

  function trim(s) { return String(s || '').replace(/^\s+|\s+$/g, ''); }

  // ?lang=nb|en|sv first, then the phone's languages.
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
    var alts = document.querySelectorAll('[data-t-alt]');
    for (var a = 0; a < alts.length; a++) alts[a].setAttribute('alt', t(alts[a].getAttribute('data-t-alt')));
    var buttons = document.querySelectorAll('[data-lang]');
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute('aria-pressed', buttons[j].getAttribute('data-lang') === lang ? 'true' : 'false');
    }
    for (var f = 0; f < FIELDS.length; f++) {
      if (shown.fields[FIELDS[f]]) fieldError(FIELDS[f], shown.fields[FIELDS[f]]);
    }
    if (shown.form) formError(shown.form.key, shown.form.params);
    if (shown.follow) followError(shown.follow);
    if (followed) showFollowed(followed);
    if (sending) $('sending').textContent = t('sending');
    else if (photoBusy) $('sending').textContent = t('preparing_photo');
  }

  function setLang(code) {
    if (LANGS.indexOf(code) < 0) return;
    lang = code;
    // The choice stays in the address (for a reload), with the fragment kept.
    if (window.history && history.replaceState) {
      var search = location.search.replace(/([?&])lang=[^&]*&?/, '$1').replace(/[?&]$/, '');
      search += (search ? '&' : '?') + 'lang=' + code;
      history.replaceState(null, '', location.pathname + search + location.hash);
    }
    applyLang();
  }

  // #t=<token> (a QR label) or #follow=<secret> (the receipt's link).
  function fromHash() {
    var found = {};
    var parts = location.hash.replace(/^#/, '').split('&');
    for (var i = 0; i < parts.length; i++) {
      var pair = parts[i].split('=');
      if (pair.length !== 2) continue;
      var value = pair[1];
      try { value = decodeURIComponent(value); } catch (e) { /* keep it as it is */ }
      value = value.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 80);
      if (value) found[pair[0]] = value;
    }
    return found;
  }

  function fieldError(name, key) {
    var el = $(name + '-error');
    var input = $(name);
    shown.fields[name] = key;
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

  // Said above the send button, and scrolled to where the person is looking.
  function formError(key, params) {
    var el = $('form-error');
    shown.form = key ? { key: key, params: params } : null;
    el.textContent = key ? t(key, params) : '';
    el.hidden = !key;
    if (key && el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
  }

  function status(key) { $('sending').textContent = key ? t(key) : ''; }

  function request(method, url, body, headers, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader('Accept', 'application/json');
    if (body !== null) xhr.setRequestHeader('Content-Type', 'application/json');
    for (var name in headers) {
      if (Object.prototype.hasOwnProperty.call(headers, name)) xhr.setRequestHeader(name, headers[name]);
    }
    xhr.timeout = TIMEOUT_MS;
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* empty or not JSON */ }
      done(xhr.status, answer, xhr);
    };
    xhr.onerror = xhr.ontimeout = function () { done(0, null, xhr); };
    xhr.send(body === null ? null : JSON.stringify(body));
  }

  // -- the form token: fetched when the page opens, again when the server asks for a new one --
  function fetchForm(then) {
    request('GET', FORM, null, {}, function (code, answer) {
      if (code === 200 && answer && answer.form_token) {
        form = { token: answer.form_token, at: Date.now(), wait: Number(answer.wait_seconds) || 0 };
      }
      if (then) then(code === 200);
    });
  }

  // Call `then` once the form token is old enough for the server (at once, for a person).
  function whenFormReady(then) {
    if (!form.token) {
      fetchForm(function (ok) {
        if (!ok) { done(); formError('offline'); return; }
        whenFormReady(then);
      });
      return;
    }
    var left = form.at + form.wait * 1000 + 250 - Date.now();
    if (left > 0) setTimeout(then, left);
    else then();
  }

  // -- the photo ---------------------------------------------------------------------------
  function base64Length(b64) { return Math.floor(b64.length * 3 / 4); }

  function choosePhoto(file) {
    photo = null;
    fieldError('photo', null);
    $('preview').hidden = true;
    if (!file) return;
    photoBusy = true;
    status('preparing_photo');
    var reader = new FileReader();
    reader.onerror = function () { photoFailed('photo_unreadable'); };
    reader.onload = function () {
      var original = String(reader.result);
      var img = new Image();
      img.onerror = function () { photoFailed('photo_unreadable'); };
      img.onload = function () {
        var dataUrl = null;
        try {
          // Drawn again: at most MAX_SIDE_PX a side, a JPEG, and the camera's metadata left
          // behind (the browser draws it upright from its orientation first).
          var scale = Math.min(1, MAX_SIDE_PX / Math.max(img.naturalWidth, img.naturalHeight));
          var canvas = document.createElement('canvas');
          canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
          canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
          canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
          dataUrl = canvas.toDataURL('image/jpeg', JPEG_QUALITY);
        } catch (e) {
          dataUrl = null;
        }
        if (!dataUrl || dataUrl.indexOf('data:image/jpeg') !== 0) {
          // This phone cannot draw it again: the file as it is (the server re-encodes it).
          dataUrl = /^data:image\/(jpeg|png|webp);base64,/.test(original) ? original : null;
        }
        if (!dataUrl) { photoFailed('photo_unreadable'); return; }
        var b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
        if (base64Length(b64) > PHOTO_MAX_BYTES) { photoFailed('photo_too_large'); return; }
        photo = { base64: b64 };
        photoBusy = false;
        if (!sending) status(null);
        $('preview-img').src = dataUrl;
        $('preview').hidden = false;
      };
      img.src = original;
    };
    reader.readAsDataURL(file);
  }

  function photoFailed(key) {
    photo = null;
    photoBusy = false;
    if (!sending) status(null);
    $('photo').value = '';
    fieldError('photo', key);
  }

  function removePhoto() {
    photo = null;
    $('photo').value = '';
    $('preview').hidden = true;
    fieldError('photo', null);
    $('photo').focus();
  }

  // -- sending -------------------------------------------------------------------------------
  function checkFields() {
    var text = trim($('text').value);
    var name = trim($('name').value);
    var phone = trim($('phone').value);
    var email = trim($('email').value);
    var digits = phone.replace(/[^0-9]/g, '').length;
    var problems = {
      text: !text ? 'need_text' : text.length > TEXT_MAX ? 'text_too_long' : null,
      photo: null, // a photo that could not be read is left out, not a reason to wait
      name: !name ? 'need_name' : null,
      phone: !phone && !email ? 'need_contact'
        : phone && (!/^\+?[0-9 ()-]+$/.test(phone) || digits < MIN_PHONE_DIGITS || digits > MAX_PHONE_DIGITS) ? 'bad_phone' : null,
      email: email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? 'bad_email' : null
    };
    var first = null;
    for (var i = 0; i < FIELDS.length; i++) {
      var field = FIELDS[i];
      if (field !== 'photo') fieldError(field, problems[field]);
      if (problems[field] && !first) first = field;
    }
    if (first) { $(first).focus(); return null; }
    return { text: text, name: name, phone: phone, email: email };
  }

  function setBusy(busy) {
    sending = busy;
    $('send').disabled = busy;
    status(busy ? 'sending' : null);
  }

  function done() { setBusy(false); }

  function submit() {
    if (sending) return;
    formError(null);
    if (photoBusy) { status('preparing_photo'); setTimeout(submit, 300); return; }
    var fields = checkFields();
    if (!fields) return;
    setBusy(true);
    send(fields, true);
  }

  // `retry`: once per report, a form token the server found too young, too old or unknown is
  // fetched again and the report sent again, without the person having to do anything.
  function send(fields, retry) {
    whenFormReady(function () {
      var body = {
        form_token: form.token,
        text: fields.text,
        name: fields.name,
        phone: fields.phone,
        email: fields.email,
        relation: $('relation').value,
        language: lang,
        homepage: $('homepage').value
      };
      if (qrToken) body.qr_token = qrToken;
      if (photo) body.photo = photo.base64;
      request('POST', REPORTS, body, {}, function (code, answer, xhr) {
        var reason = answer && answer.code;
        if (code === 202 && answer && answer.number) { done(); showReceipt(answer); return; }
        if (retry && code === 400 && /^form_/.test(reason || '')) {
          if (reason !== 'form_too_fast') form.token = null;
          else form.at = Date.now();
          send(fields, false);
          return;
        }
        done();
        if (code === 400 && reason === 'qr_token_invalid') {
          // The label was replaced or revoked: the report goes without it, once the person
          // has said where the lock is.
          qrToken = null;
          $('from-label').hidden = true;
          formError('label_invalid');
          $('text').focus();
        } else if (code === 400 && answer && FIELD_ERRORS[answer.field]) {
          fieldError(answer.field, FIELD_ERRORS[answer.field]);
          $(answer.field).focus();
        } else if (code === 413) {
          fieldError('photo', 'photo_too_large');
          $('photo').focus();
        } else if (code === 429) {
          var minutes = minutesFrom(xhr.getResponseHeader('Retry-After'));
          formError(minutes ? 'too_many' : 'too_many_soon', { minutes: minutes });
        } else if (code >= 400 && code < 500) {
          formError('refused');
        } else if (code === 0) {
          formError('offline');
        } else {
          formError('server');
        }
      });
    });
  }

  // Retry-After in seconds (or an HTTP date): whole minutes, at least one.
  function minutesFrom(header) {
    if (!header) return null;
    var seconds = /^\d+$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
    if (!(seconds > 0)) return null;
    return Math.max(1, Math.ceil(seconds / 60));
  }

  function followUrl(path) { return location.protocol + '//' + location.host + path; }

  function showReceipt(answer) {
    $('receipt-number').textContent = answer.number;
    var link = followUrl(answer.follow_path);
    $('follow-link').href = link;
    $('follow-link').textContent = link;
    $('report').hidden = true;
    $('receipt').hidden = false;
    $('receipt').focus();
    if (window.scrollTo) window.scrollTo(0, 0);
  }

  function copyLink() {
    var link = $('follow-link').textContent;
    var said = function (key) { $('copied').textContent = t(key); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(link).then(function () { said('copied'); }, function () { selectLink(said); });
    } else {
      selectLink(said);
    }
  }

  // No clipboard API (an old phone, a page over plain http): select the link and copy it.
  function selectLink(said) {
    var range = document.createRange();
    range.selectNodeContents($('follow-link'));
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand('copy'); } catch (e) { copied = false; }
    said(copied ? 'copied' : 'copy_failed');
  }

  // -- following a report --------------------------------------------------------------------
  function followError(key) {
    shown.follow = key;
    $('follow-error').textContent = key ? t(key) : '';
    $('follow-error').hidden = !key;
  }

  function showFollowed(answer) {
    followed = answer;
    $('follow-number').textContent = answer.number;
    $('follow-status').textContent = t('status_' + answer.status);
    $('follow-answer').textContent = answer.answer || '';
    $('follow-answer-box').hidden = !answer.answer;
    $('follow-case').hidden = false;
  }

  function loadFollow() {
    followError(null);
    $('follow-loading').textContent = t('loading');
    $('follow-again').disabled = true;
    var headers = {};
    headers[FOLLOW_HEADER] = followSecret;
    request('GET', FOLLOW, null, headers, function (code, answer) {
      $('follow-loading').textContent = '';
      $('follow-again').disabled = false;
      if (code === 200 && answer) { showFollowed(answer); return; }
      followed = null;
      $('follow-case').hidden = true;
      followError(code === 404 ? 'follow_unknown' : code === 0 ? 'offline' : 'server');
    });
  }

  function start() {
    lang = initialLang();
    applyLang();
    var hash = fromHash();
    if (hash.follow) {
      followSecret = hash.follow;
      $('report').hidden = true;
      $('follow').hidden = false;
      loadFollow();
    } else {
      if (hash.t) { qrToken = hash.t; $('from-label').hidden = false; }
      fetchForm(null);
    }

    document.addEventListener('click', function (event) {
      var target = event.target;
      while (target && target !== document && !(target.getAttribute && (target.hasAttribute('data-lang') || target.id))) {
        target = target.parentNode;
      }
      if (!target || target === document) return;
      if (target.hasAttribute('data-lang')) setLang(target.getAttribute('data-lang'));
      else if (target.id === 'photo-remove') removePhoto();
      else if (target.id === 'copy') copyLink();
      else if (target.id === 'follow-again') loadFollow();
    });
    $('report-form').addEventListener('submit', function (event) {
      event.preventDefault();
      submit();
    });
    $('photo').addEventListener('change', function () {
      choosePhoto(this.files && this.files[0]);
    });
    for (var i = 0; i < FIELDS.length; i++) {
      (function (name) {
        if (name === 'photo') return;
        $(name).addEventListener('input', function () {
          if (shown.fields[name]) fieldError(name, null);
          // A phone number is enough, or an e-mail address: either clears the other's demand.
          if ((name === 'email' || name === 'phone') && shown.fields.phone === 'need_contact') fieldError('phone', null);
        });
      }(FIELDS[i]));
    }
    // A link to /f from the receipt or the follow view starts afresh (the fragment is gone).
    window.addEventListener('hashchange', function () { location.reload(); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
