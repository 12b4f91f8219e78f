/* The settings page: client rows and their own values added and removed, people picked by name
   (the app's /b24/app/users asks the portal's user.search) and workgroups by name
   (/b24/app/groups asks sonet_group.get). Without it the form still submits what is shown. */
(function () {
  "use strict";
  var form = document.getElementById("settings-form");
  if (!form) { return; }
  var usersUrl = form.getAttribute("data-users-url");
  var groupsUrl = form.getAttribute("data-groups-url");

  function isGroups(picker) { return picker.getAttribute("data-kind") === "groups"; }

  function withNumber(element, picker, id) {
    // a workgroup shows its number small beside the name, as in its address /workgroups/group/N/
    if (!isGroups(picker)) { return; }
    var number = document.createElement("small");
    number.className = "chip-id"; number.textContent = "№\u00a0" + id;
    element.appendChild(document.createTextNode(" "));
    element.appendChild(number);
  }
  var rows = document.getElementById("client-rows");
  var rowTemplate = document.getElementById("client-template");

  function nextRowNumber() {
    var top = -1;
    Array.prototype.forEach.call(rows.querySelectorAll(".client-row"), function (row) {
      var n = parseInt(row.getAttribute("data-row"), 10);
      if (n > top) { top = n; }
    });
    return top + 1;
  }

  function fromTemplate(template, number) {
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.split("__N__").join(String(number));
    return holder.firstElementChild;
  }

  document.getElementById("add-client").addEventListener("click", function () {
    var empty = document.getElementById("no-clients");
    if (empty) { empty.remove(); }
    var row = fromTemplate(rowTemplate, nextRowNumber());
    rows.appendChild(row);
    row.querySelector("input[type=text]").focus();
  });

  function addChip(picker, id, name) {
    var field = picker.getAttribute("data-name");
    var chips = picker.querySelector(".chips");
    if (chips.querySelector('[data-id="' + id + '"]')) { return; }
    var chip = document.createElement("li");
    chip.className = "chip";
    chip.setAttribute("data-id", id);
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = field; hidden.value = id;
    var label = document.createElement("span");
    label.textContent = name;
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "chip-remove"; remove.textContent = "×";
    remove.title = "Убрать"; remove.setAttribute("aria-label", "Убрать " + name);
    chip.appendChild(hidden); chip.appendChild(label);
    withNumber(chip, picker, id);
    chip.appendChild(remove);
    chips.appendChild(chip);
  }

  function showFound(list, found, picker) {
    list.innerHTML = "";
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = isGroups(picker) ? "Группы с таким названием не нашлись" : "Никого не нашлось";
      list.appendChild(none);
    }
    found.forEach(function (user) {
      var item = document.createElement("li");
      var pick = document.createElement("button");
      pick.type = "button"; pick.className = "suggestion";
      pick.setAttribute("data-id", String(user.id));
      pick.textContent = user.name;
      withNumber(pick, picker, String(user.id));
      pick.addEventListener("click", function () {
        addChip(picker, String(user.id), user.name);
        var search = picker.querySelector(".people-search");
        search.value = ""; list.hidden = true; search.focus();
      });
      item.appendChild(pick);
      list.appendChild(item);
    });
    list.hidden = false;
  }

  var timer = null;
  function search(input) {
    var picker = input.closest(".people");
    var list = picker.querySelector(".suggestions");
    var text = input.value.trim();
    if (text.length < 2) { list.hidden = true; return; }
    var url = isGroups(picker) ? groupsUrl : usersUrl;
    fetch(url + "&q=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (found) {
        if (input.value.trim() !== text) { return; }
        if (Array.isArray(found)) { showFound(list, found, picker); return; }
        list.innerHTML = "";
        var error = document.createElement("li");
        error.className = "none"; error.textContent = found.error || "Поиск не удался";
        list.appendChild(error); list.hidden = false;
      })
      .catch(function () { list.hidden = true; });
  }

  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("people-search")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { search(input); }, 250);
  });

  form.addEventListener("keydown", function (event) {
    // Enter in a search field picks nothing and must not submit the whole form
    if (event.key === "Enter" && event.target.classList.contains("people-search")) {
      event.preventDefault();
    }
  });

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList.contains("chip-remove")) {
      target.closest(".chip").remove();
    } else if (target.classList.contains("remove-client")) {
      target.closest(".client-row").remove();
    } else if (target.classList.contains("override-remove")) {
      target.closest(".override").remove();
    } else if (target.classList.contains("add-override")) {
      var box = target.closest(".overrides");
      var line = fromTemplate(box.querySelector(".override-template"), "");
      box.querySelector(".override-list").appendChild(line);
    }
  });
})();
