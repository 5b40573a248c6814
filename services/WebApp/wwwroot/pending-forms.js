// A submitted form says it is on its way: the pressed button shows a spinner, is marked busy for screen
// readers, and cannot be pressed a second time while the page waits for the answer. Pages are plain
// server-rendered forms, so this is the whole loading state; without scripts they still work.
document.addEventListener('submit', event => {
    const button = event.submitter;
    if (!(button instanceof HTMLButtonElement) || event.defaultPrevented) {
        return;
    }

    // After this turn: the browser has taken the form's data by then, the pressed button's name and value
    // included (a button disabled before that would leave them out).
    setTimeout(() => {
        button.disabled = true;
        button.setAttribute('aria-busy', 'true');
        button.closest('form')?.setAttribute('aria-busy', 'true');
    });
});

// Back to a page kept in the browser's cache: its buttons work again.
window.addEventListener('pageshow', event => {
    if (event.persisted) {
        for (const busy of document.querySelectorAll('[aria-busy="true"]')) {
            busy.removeAttribute('aria-busy');
            if (busy instanceof HTMLButtonElement) {
                busy.disabled = false;
            }
        }
    }
});
