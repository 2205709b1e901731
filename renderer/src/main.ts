import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { z } from 'zod';
import App from './App.vue';
import { connect } from './client/index.js';
import { CLIENT_KEY } from './stores/client.js';
import { useLiveRuns } from './stores/live.js';
import { useOperations } from './stores/operations.js';
import { useOperator } from './stores/operator.js';
import './styles.css';

// zod's JIT compiles validators with new Function, which the strict CSP forbids; stay interpreted.
z.config({ jitless: true });

const { client } = connect();
const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.provide(CLIENT_KEY, client);
useLiveRuns(pinia).connect(client);
useLiveRuns(pinia).followOtherWriters(client);
useOperations(pinia).connect(client);
void useOperator(pinia).connect(client).catch(() => undefined);
app.mount('#app');
