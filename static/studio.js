// Small behaviours shared by every Studio page. Without this module the pages still work: the
// "Add" button loads the page with its form open, and Delete posts without the confirmation.

// "Add …": open the form in place and put the cursor in its first field.
for (const form of document.querySelectorAll('form[data-reveal]')) {
  form.addEventListener('submit', (event) => {
    const target = document.getElementById(form.dataset.reveal)
    if (target === null) return
    event.preventDefault()
    target.hidden = false
    target.querySelector('input:not([type=hidden]), textarea, select')?.focus()
  })
}

// "Cancel" of a revealed form: hide it again and return to the button that opened it.
for (const cancel of document.querySelectorAll('[data-hide]')) {
  cancel.addEventListener('click', () => {
    const target = document.getElementById(cancel.dataset.hide)
    if (target === null) return
    target.hidden = true
    document.querySelector(`form[data-reveal="${cancel.dataset.hide}"] button`)?.focus()
  })
}

// Destructive actions ask first.
for (const form of document.querySelectorAll('form[data-confirm]')) {
  form.addEventListener('submit', (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault()
  })
}
