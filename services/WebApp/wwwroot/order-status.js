// Follows an order's status while its checkout runs: asks the storefront (which asks the API with the shopper's
// session) at growing intervals until the order is Confirmed or Cancelled, and rewrites the status in place.
class OrderStatus extends HTMLElement {
    connectedCallback() {
        if (this.dataset.final === 'true') {
            return;
        }
        this.delay = 500;
        this.timer = setTimeout(() => this.look(), this.delay);
    }

    disconnectedCallback() {
        clearTimeout(this.timer);
    }

    async look() {
        try {
            const response = await fetch(this.dataset.statusUrl, { headers: { accept: 'application/json' } });
            if (response.ok && response.headers.get('content-type')?.includes('json')) {
                const order = await response.json();
                const status = this.querySelector('.status');
                status.textContent = order.status;
                status.dataset.status = order.status;
                this.querySelector('.explanation').textContent = order.explanation;
                if (order.final) {
                    this.dataset.final = 'true';
                    if (order.status === 'Cancelled') {
                        document.querySelector('[data-cancel-order]')?.remove();
                    }
                    return;
                }
            }
        } catch {
            // Offline for a moment: the next look tries again.
        }
        this.delay = Math.min(this.delay * 1.5, 5000);
        this.timer = setTimeout(() => this.look(), this.delay);
    }
}

customElements.define('order-status', OrderStatus);
