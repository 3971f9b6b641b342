// Registers ts-loader.mjs: `node --import <this file> child.ts`.
import { register } from 'node:module';

register(new URL('./ts-loader.mjs', import.meta.url));
